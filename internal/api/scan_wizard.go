package api

import (
	"github.com/perimeterhq/perimeter/internal/app"
	"github.com/perimeterhq/perimeter/internal/scan"
	"github.com/perimeterhq/perimeter/internal/scanconfig"
)

type wizardRequest struct {
	Target   *targetRequest   `json:"target,omitempty" doc:"a new target (or give target_id)"`
	TargetID string           `json:"target_id,omitempty"`
	Scan     scanRequest      `json:"scan"`
	Schedule *scheduleRequest `json:"schedule,omitempty" doc:"a new schedule for the scan"`
	StartNow bool             `json:"start_now,omitempty" doc:"queue a first run"`
}

type wizardResponse struct {
	Target   TargetDetail  `json:"target"`
	Scan     ScanView      `json:"scan"`
	Schedule *ScheduleView `json:"schedule,omitempty"`
	History  *HistoryView  `json:"history,omitempty" doc:"the queued run, with start_now"`
}

func (a *API) scanWizard(c *Ctx, in *wizardRequest) (*wizardResponse, error) {
	wi := app.WizardInput{TargetID: in.TargetID, Scan: in.Scan.update().Apply(scan.Scan{}), StartNow: in.StartNow}
	if in.Target != nil {
		t := in.Target.update().Apply(scanconfig.Target{})
		wi.Target = &t
	}
	if in.Schedule != nil {
		si := in.Schedule.input()
		wi.Schedule = &si
	}
	res, err := a.app.Wizard(c.Context(), c.Actor, wi)
	if err != nil {
		return nil, err
	}
	out := &wizardResponse{Target: a.targetDetail(res.Target), Scan: scanView(res.Scan)}
	if res.Schedule != nil {
		v := scheduleView(*res.Schedule)
		out.Schedule = &v
	}
	if res.Run != nil {
		h := historyView(*res.Run)
		out.History = &h
	}
	return out, nil
}
