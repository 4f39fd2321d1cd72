// Command listeners serves a handful of small TCP services on 127.0.0.1 for
// bench/portscan.sh: an HTTP server, an SSH, FTP and SMTP greeting, a Redis
// that answers PING and INFO without authentication, and a port that accepts
// and says nothing. It prints the ports, comma-separated, on one line, then
// serves until it is killed or its standard input closes.
package main

import (
	"bufio"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
)

func main() {
	var ports []string
	for _, serve := range []func(net.Listener){serveHTTP, greeter("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6\r\n"), greeter("220 (vsFTPd 3.0.5)\r\n"),
		greeter("220 mail.bench.test ESMTP Postfix (Debian/GNU)\r\n"), serveRedis, greeter("")} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			log.Fatal(err)
		}
		go serve(ln)
		ports = append(ports, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	}
	fmt.Println(strings.Join(ports, ","))
	_, _ = io.Copy(io.Discard, os.Stdin) // serve until stdin closes (or a signal ends us)
}

func serveHTTP(ln net.Listener) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "nginx/1.18.0 (Ubuntu)")
		fmt.Fprintln(w, "<html><head><title>bench</title></head><body>ok</body></html>")
	})
	_ = http.Serve(ln, h)
}

// greeter sends a banner on connect, then reads until the client leaves.
func greeter(banner string) func(net.Listener) {
	return func(ln net.Listener) {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.WriteString(c, banner)
				_, _ = io.Copy(io.Discard, c)
			}()
		}
	}
}

// serveRedis answers inline and RESP commands the way an unprotected Redis
// does, enough for PING and INFO.
func serveRedis(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			r := bufio.NewReader(c)
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if strings.HasPrefix(line, "*") { // RESP array: read the bulk strings
					n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
					var parts []string
					for range n {
						if _, err := r.ReadString('\n'); err != nil {
							return
						}
						s, err := r.ReadString('\n')
						if err != nil {
							return
						}
						parts = append(parts, strings.TrimSpace(s))
					}
					line = strings.Join(parts, " ")
				}
				switch cmd := strings.ToUpper(strings.Fields(line + " x")[0]); cmd {
				case "PING":
					_, _ = io.WriteString(c, "+PONG\r\n")
				case "INFO":
					info := "# Server\r\nredis_version:6.0.16\r\nredis_mode:standalone\r\nos:Linux 6.1.0 x86_64\r\n"
					_, _ = fmt.Fprintf(c, "$%d\r\n%s\r\n", len(info), info)
				default:
					_, _ = fmt.Fprintf(c, "-ERR unknown command '%s'\r\n", strings.ToLower(cmd))
				}
			}
		}()
	}
}
