//go:build !linux

package portscan

import "errors"

// errSelfConnect is only produced by the Linux dialer; net.Dialer handles
// self-connections itself elsewhere.
var errSelfConnect = errors.New("portscan: connected to itself")

// NewDialer returns the fastest Dialer for this platform: NetDialer here.
// maxIdle is ignored.
func NewDialer(maxIdle int) Dialer { return NetDialer{} }
