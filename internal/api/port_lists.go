package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/perimeterhq/perimeter/internal/errs"
	"github.com/perimeterhq/perimeter/internal/portspec"
	"github.com/perimeterhq/perimeter/internal/scanconfig"
)

// PortRangeView is one stored range of a port list.
type PortRangeView struct {
	ID       string `json:"id" doc:"kept while the range is unchanged; a range that merges with another or is cut gets a new id"`
	Protocol string `json:"protocol" enum:"tcp,udp"`
	Start    int    `json:"start"`
	End      int    `json:"end"`
}

// PortListView is a port list as the API shows it.
type PortListView struct {
	ID             string          `json:"id"`
	OrganizationID *string         `json:"organization_id" doc:"null for the built-in lists"`
	Name           string          `json:"name"`
	Description    string          `json:"description"`
	Builtin        bool            `json:"builtin" doc:"built-in lists are shared by every organization and read-only"`
	Active         bool            `json:"active"`
	AppType        []string        `json:"app_type" doc:"scanner types that may use the list: builtin, agent, nmap, openvas"`
	PortCount      int             `json:"port_count"`
	TCPCount       int             `json:"tcp_count"`
	UDPCount       int             `json:"udp_count"`
	Ports          string          `json:"ports" doc:"the ranges in T:/U: notation"`
	PortRanges     []PortRangeView `json:"port_ranges" doc:"normalized: sorted, overlapping and adjacent ranges merged"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
}

func portRangeView(r scanconfig.PortRange) PortRangeView {
	return PortRangeView{ID: r.ID, Protocol: r.Protocol, Start: r.Start, End: r.End}
}

func portListView(p scanconfig.PortList) PortListView {
	ports := p.Ports()
	v := PortListView{ID: p.ID, Name: p.Name, Description: p.Description, Builtin: p.Builtin(), Active: p.Active,
		AppType: p.AppTypes, PortCount: ports.Count(), TCPCount: ports.CountProtocol(portspec.TCP),
		UDPCount: ports.CountProtocol(portspec.UDP), Ports: ports.String(), PortRanges: views(p.Ranges, portRangeView),
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
	if p.OrganizationID != "" {
		id := p.OrganizationID
		v.OrganizationID = &id
	}
	if v.AppType == nil {
		v.AppType = []string{}
	}
	return v
}

type portListList struct {
	PortLists  []PortListView `json:"port_lists"`
	Pagination Pagination     `json:"pagination"`
}

type portListEnvelope struct {
	PortList PortListView `json:"port_list"`
}

type portListRequest struct {
	Name        *string         `json:"name,omitempty" doc:"required on create"`
	Description *string         `json:"description,omitempty"`
	PortRanges  json.RawMessage `json:"port_ranges,omitempty" doc:"required on create (or ports): an array of {protocol: tcp|udp, start, end} (end defaults to start), or a string in T:/U: notation; overlapping and adjacent ranges are merged"`
	Ports       *string         `json:"ports,omitempty" doc:"instead of port_ranges: T:/U: notation, e.g. T:1-1024,8080,U:53,161 (items before any prefix are TCP)"`
	AppType     json.RawMessage `json:"app_type,omitempty" doc:"scanner types that may use the list: one of builtin, agent, nmap, openvas, or an array of them (default: all)"`
}

// input turns the request into a PortListInput, decoding the fields that
// take several JSON shapes; wrong shapes are a 422 naming the field.
func (r portListRequest) input() (scanconfig.PortListInput, error) {
	in := scanconfig.PortListInput{Name: r.Name, Description: r.Description}
	ports, err := portsInput(r.PortRanges, r.Ports)
	if err != nil {
		return in, err
	}
	in.Ports = ports
	if isJSONValue(r.AppType) {
		types, err := appTypeValue(r.AppType)
		if err != nil {
			return in, err
		}
		in.AppTypes = &types
	}
	return in, nil
}

// isJSONValue reports whether a raw field was given (and is not null).
func isJSONValue(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && !bytes.Equal(raw, []byte("null"))
}

// rangeItem is a port_ranges array item as clients send it.
type rangeItem struct {
	Protocol string `json:"protocol"`
	Start    int    `json:"start"`
	End      *int   `json:"end"`
}

// portsInput reads port_ranges (an array, or a notation string) or ports (a
// notation string); nil when neither is given.
func portsInput(rawRanges json.RawMessage, notation *string) (*scanconfig.PortsInput, error) {
	hasRanges := isJSONValue(rawRanges)
	switch {
	case hasRanges && notation != nil:
		return nil, errs.Field("ports", "give either port_ranges or ports, not both")
	case notation != nil:
		return &scanconfig.PortsInput{Field: "ports", Notation: *notation}, nil
	case !hasRanges:
		return nil, nil
	}
	raw := bytes.TrimSpace(rawRanges)
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, errs.Field("port_ranges", "is not a valid JSON string")
		}
		return &scanconfig.PortsInput{Field: "port_ranges", Notation: s}, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, errs.Field("port_ranges", "must be an array of {protocol, start, end} or a T:/U: notation string")
	}
	in := &scanconfig.PortsInput{Field: "port_ranges", Ranges: make([]portspec.Range, 0, len(items))}
	for i, item := range items {
		var it rangeItem
		if err := json.Unmarshal(item, &it); err != nil {
			field := fmt.Sprintf("port_ranges[%d]", i)
			if te, ok := err.(*json.UnmarshalTypeError); ok && te.Field != "" {
				return nil, errs.Field(field+"."+te.Field, "must be %s, not %s", jsonKind(te.Type.Kind().String()), te.Value)
			}
			return nil, errs.Field(field, "must be an object {protocol, start, end}")
		}
		r := portspec.Range{Protocol: it.Protocol, Start: it.Start, End: it.Start}
		if it.End != nil {
			r.End = *it.End
		}
		in.Ranges = append(in.Ranges, r)
	}
	return in, nil
}

// appTypeValue reads app_type: one string or an array of strings.
func appTypeValue(raw json.RawMessage) ([]string, error) {
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, errs.Field("app_type", "must be a string or an array of strings (builtin, agent, nmap, openvas)")
	}
	return many, nil
}

func (a *API) listPortLists(c *Ctx, _ *NoBody) (*portListList, error) {
	return a.portListPage(c, false)
}

func (a *API) listActivePortLists(c *Ctx, _ *NoBody) (*portListList, error) {
	return a.portListPage(c, true)
}

func (a *API) portListPage(c *Ctx, activeOnly bool) (*portListList, error) {
	ps, total, err := a.app.ListPortLists(c.Context(), c.Actor, c.List, activeOnly)
	if err != nil {
		return nil, err
	}
	return &portListList{PortLists: views(ps, portListView), Pagination: pagination(c.List, total)}, nil
}

func (a *API) createPortList(c *Ctx, in *portListRequest) (*portListEnvelope, error) {
	pin, err := in.input()
	if err != nil {
		return nil, err
	}
	p, err := a.app.CreatePortList(c.Context(), c.Actor, pin)
	if err != nil {
		return nil, err
	}
	return &portListEnvelope{portListView(p)}, nil
}

func (a *API) getPortList(c *Ctx, _ *NoBody) (*portListEnvelope, error) {
	p, err := a.app.GetPortList(c.Context(), c.Actor, c.Path("id"))
	if err != nil {
		return nil, err
	}
	return &portListEnvelope{portListView(p)}, nil
}

func (a *API) updatePortList(c *Ctx, in *portListRequest) (*portListEnvelope, error) {
	pin, err := in.input()
	if err != nil {
		return nil, err
	}
	p, err := a.app.UpdatePortList(c.Context(), c.Actor, c.Path("id"), pin)
	if err != nil {
		return nil, err
	}
	return &portListEnvelope{portListView(p)}, nil
}

func (a *API) deletePortList(c *Ctx, _ *NoBody) (*Empty, error) {
	return nil, a.app.DeletePortList(c.Context(), c.Actor, c.Path("id"))
}

type addPortRangeRequest struct {
	Protocol string  `json:"protocol,omitempty" enum:"tcp,udp"`
	Start    *int    `json:"start,omitempty"`
	End      *int    `json:"end,omitempty" doc:"defaults to start"`
	Ports    *string `json:"ports,omitempty" doc:"instead of protocol/start/end: T:/U: notation (T:8000-8100,U:161)"`
}

type portRangeAdded struct {
	PortRanges []PortRangeView `json:"port_ranges" doc:"the list's ranges that now hold the added ports (merged ranges have new ids)"`
	PortList   PortListView    `json:"port_list"`
}

func (a *API) addPortRange(c *Ctx, in *addPortRangeRequest) (*portRangeAdded, error) {
	var pin scanconfig.PortsInput
	switch {
	case in.Ports != nil && (in.Start != nil || in.End != nil || in.Protocol != ""):
		return nil, errs.Field("ports", "give either ports or protocol/start/end, not both")
	case in.Ports != nil:
		pin = scanconfig.PortsInput{Field: "ports", Notation: *in.Ports}
	case in.Start == nil:
		return nil, errs.Field("start", "is required (or give ports in T:/U: notation)")
	default:
		r := portspec.Range{Protocol: in.Protocol, Start: *in.Start, End: *in.Start}
		if in.End != nil {
			r.End = *in.End
		}
		pin = scanconfig.PortsInput{Field: "port_range", Ranges: []portspec.Range{r}}
	}
	p, holding, err := a.app.AddPortRanges(c.Context(), c.Actor, c.Path("id"), pin)
	if err != nil {
		return nil, unprefixRange(err)
	}
	return &portRangeAdded{PortRanges: views(holding, portRangeView), PortList: portListView(p)}, nil
}

// unprefixRange reports errors of the single range of POST …/port_ranges
// under its own field names (start, end, protocol) rather than
// port_range[0].start.
func unprefixRange(err error) error {
	e, ok := errs.As(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	out := map[string][]string{}
	for k, v := range e.Fields {
		k = strings.TrimPrefix(k, "port_range[0].")
		out[k] = append(out[k], v...)
	}
	return &errs.Error{Code: e.Code, Message: e.Message, Fields: out}
}

func (a *API) deletePortRange(c *Ctx, _ *NoBody) (*portListEnvelope, error) {
	p, err := a.app.DeletePortRange(c.Context(), c.Actor, c.Path("id"), c.Path("range_id"))
	if err != nil {
		return nil, err
	}
	return &portListEnvelope{portListView(p)}, nil
}

func (a *API) activatePortList(c *Ctx, _ *NoBody) (*portListEnvelope, error) {
	return a.setPortListActive(c, true)
}

func (a *API) deactivatePortList(c *Ctx, _ *NoBody) (*portListEnvelope, error) {
	return a.setPortListActive(c, false)
}

func (a *API) setPortListActive(c *Ctx, active bool) (*portListEnvelope, error) {
	p, err := a.app.SetPortListActive(c.Context(), c.Actor, c.Path("id"), active)
	if err != nil {
		return nil, err
	}
	return &portListEnvelope{portListView(p)}, nil
}

type portListAppTypeRequest struct {
	AppType json.RawMessage `json:"app_type" doc:"one of builtin, agent, nmap, openvas, or an array of them"`
}

func (a *API) setPortListAppType(c *Ctx, in *portListAppTypeRequest) (*portListEnvelope, error) {
	if !isJSONValue(in.AppType) {
		return nil, errs.Field("app_type", "is required: one of builtin, agent, nmap, openvas, or an array of them")
	}
	types, err := appTypeValue(in.AppType)
	if err != nil {
		return nil, err
	}
	p, err := a.app.SetPortListAppTypes(c.Context(), c.Actor, c.Path("id"), types)
	if err != nil {
		return nil, err
	}
	return &portListEnvelope{portListView(p)}, nil
}

// PortListSyncView is the sync result of one scanner.
type PortListSyncView struct {
	ScannerID string         `json:"scanner_id"`
	Name      string         `json:"name"`
	AppType   string         `json:"app_type" enum:"builtin,agent,nmap,openvas"`
	Synced    bool           `json:"synced" doc:"true only when the scanner's engine accepted the lists"`
	Reason    string         `json:"reason,omitempty" doc:"why nothing was synced"`
	PortLists []PortListPush `json:"port_lists" doc:"for engines that keep lists of their own (openvas): the active lists allowed for it, pushed or to push"`
}

// PortListPush names a list a scanner holds or would hold.
type PortListPush struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Ports string `json:"ports" doc:"T:/U: notation, as GMP's port_range takes it"`
}

type portListSyncResult struct {
	Results []PortListSyncView `json:"results"`
}

func (a *API) syncPortLists(c *Ctx, _ *NoBody) (*portListSyncResult, error) {
	rs, err := a.app.SyncPortLists(c.Context(), c.Actor)
	if err != nil {
		return nil, err
	}
	out := &portListSyncResult{Results: make([]PortListSyncView, 0, len(rs))}
	for _, r := range rs {
		v := PortListSyncView{ScannerID: r.Scanner.ID, Name: r.Scanner.Name, AppType: r.Scanner.AppType, Synced: r.Synced,
			Reason: r.Reason, PortLists: []PortListPush{}}
		for _, l := range r.Pending {
			v.PortLists = append(v.PortLists, PortListPush{ID: l.ID, Name: l.Name, Ports: l.Ports().String()})
		}
		out.Results = append(out.Results, v)
	}
	return out, nil
}
