package gvmscan

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"

	"github.com/perimeterhq/perimeter/internal/importer"
	"github.com/perimeterhq/perimeter/internal/scanner/result"
)

// Well-known ids every gvmd has (they are fixed in gvmd's sources and its
// feed): the "Full and fast" scan configuration, the default OpenVAS scanner
// and the XML report format.
const (
	ConfigFullAndFast = "daba56c8-73ec-11df-a475-002264764cea"
	ScannerOpenVAS    = "08b69003-5fc2-4037-a479-93b440211c73"
	FormatXML         = "a994b278-1f62-11e1-96ac-406186ea4fc5"
)

// reportFilter asks for every result of the report: all rows, the levels
// high, medium, low and log, overrides applied (a false positive marked in
// GVM comes back with severity -1, which the importer drops).
const reportFilter = "apply_overrides=1 min_qod=0 levels=hmlg rows=-1 first=1"

type idRef struct {
	ID string `xml:"id,attr"`
}

// The commands, as encoding/xml writes them (it escapes every value).
type (
	getVersionCmd struct {
		XMLName xml.Name `xml:"get_version"`
	}
	authenticateCmd struct {
		XMLName  xml.Name `xml:"authenticate"`
		Username string   `xml:"credentials>username"`
		Password string   `xml:"credentials>password"`
	}
	createTargetCmd struct {
		XMLName      xml.Name `xml:"create_target"`
		Name         string   `xml:"name"`
		Comment      string   `xml:"comment,omitempty"`
		Hosts        string   `xml:"hosts"`
		ExcludeHosts string   `xml:"exclude_hosts,omitempty"`
		PortRange    string   `xml:"port_range,omitempty"`
		PortList     *idRef   `xml:"port_list,omitempty"`
		AliveTests   string   `xml:"alive_tests,omitempty"`
	}
	createTaskCmd struct {
		XMLName xml.Name `xml:"create_task"`
		Name    string   `xml:"name"`
		Comment string   `xml:"comment,omitempty"`
		Config  idRef    `xml:"config"`
		Target  idRef    `xml:"target"`
		Scanner idRef    `xml:"scanner"`
	}
	taskCmd struct { // start_task, stop_task, get_tasks, delete_task
		XMLName  xml.Name
		TaskID   string `xml:"task_id,attr"`
		Ultimate string `xml:"ultimate,attr,omitempty"`
	}
	deleteTargetCmd struct {
		XMLName  xml.Name `xml:"delete_target"`
		TargetID string   `xml:"target_id,attr"`
		Ultimate string   `xml:"ultimate,attr"`
	}
	getReportsCmd struct {
		XMLName          xml.Name `xml:"get_reports"`
		ReportID         string   `xml:"report_id,attr"`
		FormatID         string   `xml:"format_id,attr"`
		Details          string   `xml:"details,attr"`
		IgnorePagination string   `xml:"ignore_pagination,attr"`
		Filter           string   `xml:"filter,attr"`
	}
)

func task(name, id string) taskCmd { return taskCmd{XMLName: xml.Name{Local: name}, TaskID: id} }

// Version asks the manager's GMP version (get_version needs no login).
func (c *Conn) Version(ctx context.Context) (string, error) {
	raw, err := c.roundTrip(ctx, "get_version", getVersionCmd{}, DefaultMaxResponse)
	if err != nil {
		return "", err
	}
	var v struct {
		Version string `xml:"version"`
	}
	if err := xml.Unmarshal(raw, &v); err != nil || strings.TrimSpace(v.Version) == "" {
		return "", fmt.Errorf("GMP get_version: the answer has no version")
	}
	return clip(strings.TrimSpace(v.Version)), nil
}

// Authenticate logs the session in. A refusal is an *Error with command
// "authenticate".
func (c *Conn) Authenticate(ctx context.Context, username, password string) error {
	_, err := c.roundTrip(ctx, "authenticate", authenticateCmd{Username: username, Password: password}, c.maxResponse())
	return err
}

// Target is what create_target takes: GVM host lists (addresses, CIDRs,
// ranges, names, comma-separated) and either a port list of the manager or
// a port range in T:/U: notation.
type Target struct {
	Name, Comment, Hosts, ExcludeHosts string
	PortRange                          string
	PortListID                         string // used instead of PortRange when set
	ConsiderAlive                      bool   // skip the manager's alive test
}

// CreateTarget creates a target and returns its id.
func (c *Conn) CreateTarget(ctx context.Context, t Target) (string, error) {
	cmd := createTargetCmd{Name: t.Name, Comment: t.Comment, Hosts: t.Hosts, ExcludeHosts: t.ExcludeHosts}
	if t.PortListID != "" {
		cmd.PortList = &idRef{ID: t.PortListID}
	} else {
		cmd.PortRange = t.PortRange
	}
	if t.ConsiderAlive {
		cmd.AliveTests = "Consider Alive"
	}
	return c.create(ctx, "create_target", cmd)
}

// Task is what create_task takes.
type Task struct {
	Name, Comment, ConfigID, TargetID, ScannerID string
}

// CreateTask creates a task and returns its id.
func (c *Conn) CreateTask(ctx context.Context, t Task) (string, error) {
	return c.create(ctx, "create_task", createTaskCmd{Name: t.Name, Comment: t.Comment, Config: idRef{t.ConfigID},
		Target: idRef{t.TargetID}, Scanner: idRef{t.ScannerID}})
}

func (c *Conn) create(ctx context.Context, command string, cmd any) (string, error) {
	raw, err := c.roundTrip(ctx, command, cmd, c.maxResponse())
	if err != nil {
		return "", err
	}
	var v struct {
		ID string `xml:"id,attr"`
	}
	if err := xml.Unmarshal(raw, &v); err != nil || !validID(v.ID) {
		return "", fmt.Errorf("GMP %s: the answer has no valid id", command)
	}
	return v.ID, nil
}

// StartTask starts a task and returns the id of the report it writes.
func (c *Conn) StartTask(ctx context.Context, taskID string) (string, error) {
	raw, err := c.roundTrip(ctx, "start_task", task("start_task", taskID), c.maxResponse())
	if err != nil {
		return "", err
	}
	var v struct {
		ReportID string `xml:"report_id"`
	}
	if err := xml.Unmarshal(raw, &v); err != nil || !validID(strings.TrimSpace(v.ReportID)) {
		return "", fmt.Errorf("GMP start_task: the answer has no valid report id")
	}
	return strings.TrimSpace(v.ReportID), nil
}

// TaskState is a task's status ("New", "Requested", "Queued", "Running",
// "Stop Requested", "Stopped", "Interrupted", "Done", …) and progress, 0–100.
type TaskState struct {
	Status   string
	Progress int
}

// TaskStatus asks a task's status and progress.
func (c *Conn) TaskStatus(ctx context.Context, taskID string) (TaskState, error) {
	raw, err := c.roundTrip(ctx, "get_tasks", task("get_tasks", taskID), c.maxResponse())
	if err != nil {
		return TaskState{}, err
	}
	var v struct {
		Tasks []struct {
			ID       string `xml:"id,attr"`
			Status   string `xml:"status"`
			Progress string `xml:"progress"`
		} `xml:"task"`
	}
	if err := xml.Unmarshal(raw, &v); err != nil {
		return TaskState{}, fmt.Errorf("GMP get_tasks: %w", err)
	}
	for _, t := range v.Tasks {
		if t.ID != taskID {
			continue
		}
		// <progress> holds the figure, then (older gvmd) per-host children.
		num, _, _ := strings.Cut(strings.TrimSpace(t.Progress), "<")
		p, _ := strconv.Atoi(strings.TrimSpace(num))
		return TaskState{Status: clip(strings.TrimSpace(t.Status)), Progress: min(max(p, 0), 100)}, nil
	}
	return TaskState{}, fmt.Errorf("GMP get_tasks: the manager no longer has task %s", taskID)
}

// TaskRef is a task the manager holds: its id, status and target.
type TaskRef struct {
	ID, Status, TargetID string
}

// getTasksNamedCmd lists the tasks whose name is exactly a name.
type getTasksNamedCmd struct {
	XMLName xml.Name `xml:"get_tasks"`
	Filter  string   `xml:"filter,attr"`
}

// TasksNamed lists the manager's tasks named exactly name (ids the client
// would not send back are left out).
func (c *Conn) TasksNamed(ctx context.Context, name string) ([]TaskRef, error) {
	filter := `name="` + strings.ReplaceAll(name, `"`, "") + `" rows=-1`
	raw, err := c.roundTrip(ctx, "get_tasks", getTasksNamedCmd{Filter: filter}, c.maxResponse())
	if err != nil {
		return nil, err
	}
	var v struct {
		Tasks []struct {
			ID     string `xml:"id,attr"`
			Name   string `xml:"name"`
			Status string `xml:"status"`
			Target struct {
				ID string `xml:"id,attr"`
			} `xml:"target"`
		} `xml:"task"`
	}
	if err := xml.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("GMP get_tasks: %w", err)
	}
	var out []TaskRef
	for _, t := range v.Tasks {
		if t.Name != name || !validID(t.ID) {
			continue
		}
		ref := TaskRef{ID: t.ID, Status: clip(strings.TrimSpace(t.Status))}
		if validID(t.Target.ID) {
			ref.TargetID = t.Target.ID
		}
		out = append(out, ref)
	}
	return out, nil
}

// StopTask asks the manager to stop a running task.
func (c *Conn) StopTask(ctx context.Context, taskID string) error {
	_, err := c.roundTrip(ctx, "stop_task", task("stop_task", taskID), c.maxResponse())
	return err
}

// DeleteTask deletes a task and its reports for good (not to the trash).
func (c *Conn) DeleteTask(ctx context.Context, taskID string) error {
	cmd := task("delete_task", taskID)
	cmd.Ultimate = "1"
	_, err := c.roundTrip(ctx, "delete_task", cmd, c.maxResponse())
	return err
}

// DeleteTarget deletes a target for good.
func (c *Conn) DeleteTarget(ctx context.Context, targetID string) error {
	_, err := c.roundTrip(ctx, "delete_target", deleteTargetCmd{TargetID: targetID, Ultimate: "1"}, c.maxResponse())
	return err
}

// Report fetches a report with its results in the XML format and reads it
// with the importer, calling emit for each host (the importer's contract:
// an *importer.Error for a malformed report).
func (c *Conn) Report(ctx context.Context, reportID string, emit func(result.Host) error) (importer.Report, error) {
	limit := c.cfg.MaxReport
	if limit <= 0 {
		limit = DefaultMaxReport
	}
	raw, err := c.roundTrip(ctx, "get_reports", getReportsCmd{ReportID: reportID, FormatID: FormatXML, Details: "1",
		IgnorePagination: "1", Filter: reportFilter}, limit)
	if err != nil {
		return importer.Report{}, err
	}
	rep, err := importer.Read(bytes.NewReader(raw), importer.GVM, emit)
	if err != nil {
		return rep, fmt.Errorf("GMP get_reports: the report: %w", err)
	}
	return rep, nil
}

func (c *Conn) maxResponse() int64 {
	if c.cfg.MaxResponse > 0 {
		return c.cfg.MaxResponse
	}
	return DefaultMaxResponse
}

// validID accepts the manager's ids (UUIDs) and nothing that could smuggle
// markup or a filter into a later command (they are attributes, escaped, but
// also logged).
func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F' || r == '-') {
			return false
		}
	}
	return true
}
