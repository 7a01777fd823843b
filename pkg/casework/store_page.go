package casework

import (
	"context"
	"time"

	gojson "github.com/goccy/go-json"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"sunshine/pkg/calendar"
	"sunshine/pkg/platform/db"
)

// casePage is a case with its children, as the case page reads them.
type casePage struct {
	c      *Case
	steps  []Step
	pauses []Pause
	fees   []Fee
	events []Event
}

// pageQuery reads a case and its children in one statement: PostgreSQL's work per page
// view is what bounds a busy service centre. The children come aggregated as JSON,
// each row an object keyed by its column names (decoded through the row types below,
// never through the API's json tags).
const pageQuery = `SELECT c.*,
	(SELECT coalesce(json_agg(s ORDER BY s.seq), '[]') FROM case_steps s WHERE s.case_id = c.id) AS steps_json,
	(SELECT coalesce(json_agg(p ORDER BY p.started_at), '[]') FROM case_pauses p WHERE p.tenant_id = c.tenant_id AND p.case_id = c.id) AS pauses_json,
	(SELECT coalesce(json_agg(f ORDER BY f.created_at), '[]') FROM case_fees f WHERE f.tenant_id = c.tenant_id AND f.case_id = c.id) AS fees_json,
	(SELECT coalesce(json_agg(e ORDER BY e.at, e.id), '[]') FROM case_events e WHERE e.tenant_id = c.tenant_id AND e.case_id = c.id) AS events_json
	FROM cases c WHERE c.id = $1`

// pageRow is a case row with its children aggregated as JSON (scanned by column name).
type pageRow struct {
	Case
	StepsJSON  []byte
	PausesJSON []byte
	FeesJSON   []byte
	EventsJSON []byte
}

// page reads a case and its children within scope (nil when absent or not visible).
// Concurrent page views share a round trip (pipeline.Committer.Query); the worker only
// scans, the JSON is decoded here.
func (st *store) page(ctx context.Context, scope db.Scope, id uuid.UUID) (*casePage, error) {
	b := &pgx.Batch{}
	b.Queue(pageQuery, id)
	var rows []*pageRow
	err := st.pageReads.Query(ctx, scope, b, func(br pgx.BatchResults) error {
		rs, err := br.Query()
		if err != nil {
			return err
		}
		rows, err = pgx.CollectRows(rs, pgx.RowToAddrOfStructByNameLax[pageRow])
		return err
	})
	if err != nil {
		return nil, db.Classify(err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	r := rows[0]
	var steps []stepRow
	var pauses []pauseRow
	var fees []feeRow
	var events []eventRow
	for _, part := range []struct {
		raw []byte
		v   any
	}{{r.StepsJSON, &steps}, {r.PausesJSON, &pauses}, {r.FeesJSON, &fees}, {r.EventsJSON, &events}} {
		// goccy/go-json: the aggregates are most of a case page's decoding work.
		if err := gojson.Unmarshal(part.raw, part.v); err != nil {
			return nil, err
		}
	}
	p := &casePage{c: &r.Case, steps: make([]Step, len(steps)), pauses: make([]Pause, len(pauses)), fees: make([]Fee, len(fees)), events: make([]Event, len(events))}
	for i := range steps {
		p.steps[i] = steps[i].step()
	}
	for i := range pauses {
		p.pauses[i] = pauses[i].pause()
	}
	for i := range fees {
		p.fees[i] = fees[i].fee()
	}
	for i := range events {
		p.events[i] = events[i].event()
	}
	return p, nil
}

// stepRow is a case_steps row as json_agg writes it.
type stepRow struct {
	ID              uuid.UUID      `json:"id"`
	TenantID        uuid.UUID      `json:"tenant_id"`
	CaseID          uuid.UUID      `json:"case_id"`
	Node            string         `json:"node"`
	Kind            string         `json:"kind"`
	Name            string         `json:"name"`
	Seq             int            `json:"seq"`
	DepartmentID    *uuid.UUID     `json:"department_id"`
	Role            string         `json:"role"`
	TimeLimit       int            `json:"time_limit"`
	Counts          bool           `json:"counts"`
	Checkpoint      bool           `json:"checkpoint"`
	Status          string         `json:"status"`
	ActivatedAt     *time.Time     `json:"activated_at"`
	StoppedDays     int            `json:"stopped_days"`
	DueDate         *calendar.Date `json:"due_date"`
	DueAt           *time.Time     `json:"due_at"`
	CompletedAt     *time.Time     `json:"completed_at"`
	CompletedBy     *uuid.UUID     `json:"completed_by"`
	CompletedByName string         `json:"completed_by_name"`
	Opinion         string         `json:"opinion"`
	Rounds          int            `json:"rounds"`
	UpdatedAt       time.Time      `json:"updated_at"`
}

func (r *stepRow) step() Step {
	return Step{ID: r.ID, TenantID: r.TenantID, CaseID: r.CaseID, Node: r.Node, Kind: r.Kind, Name: r.Name, Seq: r.Seq,
		DepartmentID: r.DepartmentID, Role: r.Role, TimeLimit: r.TimeLimit, Counts: r.Counts, Checkpoint: r.Checkpoint,
		Status: r.Status, ActivatedAt: r.ActivatedAt, StoppedDays: r.StoppedDays, DueDate: r.DueDate, DueAt: r.DueAt,
		CompletedAt: r.CompletedAt, CompletedBy: r.CompletedBy, CompletedByName: r.CompletedByName, Opinion: r.Opinion,
		Rounds: r.Rounds, UpdatedAt: r.UpdatedAt}
}

// pauseRow is a case_pauses row as json_agg writes it.
type pauseRow struct {
	ID                  uuid.UUID  `json:"id"`
	TenantID            uuid.UUID  `json:"tenant_id"`
	CaseID              uuid.UUID  `json:"case_id"`
	Kind                string     `json:"kind"`
	ReasonType          string     `json:"reason_type"`
	Notice              string     `json:"notice"`
	ExpectedWorkingDays int        `json:"expected_working_days"`
	StartedAt           time.Time  `json:"started_at"`
	EndedAt             *time.Time `json:"ended_at"`
	WorkingDays         int        `json:"working_days"`
	StartedByName       string     `json:"started_by_name"`
	EndedByName         string     `json:"ended_by_name"`
}

func (r *pauseRow) pause() Pause {
	return Pause{ID: r.ID, TenantID: r.TenantID, CaseID: r.CaseID, Kind: r.Kind, ReasonType: r.ReasonType, Notice: r.Notice,
		ExpectedWorkingDays: r.ExpectedWorkingDays, StartedAt: r.StartedAt, EndedAt: r.EndedAt, WorkingDays: r.WorkingDays,
		StartedByName: r.StartedByName, EndedByName: r.EndedByName}
}

// feeRow is a case_fees row as json_agg writes it.
type feeRow struct {
	ID          uuid.UUID `json:"id"`
	TenantID    uuid.UUID `json:"tenant_id"`
	CaseID      uuid.UUID `json:"case_id"`
	Item        string    `json:"item"`
	AmountFen   int64     `json:"amount_fen"`
	ExpectedFen *int64    `json:"expected_fen"`
	Mismatch    bool      `json:"mismatch"`
	CreatedAt   time.Time `json:"created_at"`
}

func (r *feeRow) fee() Fee {
	return Fee{ID: r.ID, TenantID: r.TenantID, CaseID: r.CaseID, Item: r.Item, AmountFen: r.AmountFen, ExpectedFen: r.ExpectedFen,
		Mismatch: r.Mismatch, CreatedAt: r.CreatedAt}
}

// eventRow is a case_events row as json_agg writes it.
type eventRow struct {
	ID        uuid.UUID   `json:"id"`
	TenantID  uuid.UUID   `json:"tenant_id"`
	CaseID    uuid.UUID   `json:"case_id"`
	At        time.Time   `json:"at"`
	Kind      string      `json:"kind"`
	StepName  string      `json:"step_name"`
	ActorName string      `json:"actor_name"`
	Note      string      `json:"note"`
	Public    bool        `json:"public"`
	Params    EventParams `json:"params"`
}

func (r *eventRow) event() Event {
	return Event{ID: r.ID, TenantID: r.TenantID, CaseID: r.CaseID, At: r.At, Kind: r.Kind, StepName: r.StepName,
		ActorName: r.ActorName, Note: r.Note, Public: r.Public, Params: r.Params}
}
