package casework

import (
	"sort"
	"time"

	"github.com/google/uuid"

	"sunshine/pkg/apperr"
	"sunshine/pkg/catalogue"
)

// engine runs a case's flowchart over its step rows. It only changes the rows in
// memory; the service persists what changed.
type engine struct {
	fc    catalogue.Flowchart
	steps map[string]*Step
}

func newEngine(fc catalogue.Flowchart, steps []Step) *engine {
	e := &engine{fc: fc, steps: make(map[string]*Step, len(steps))}
	for i := range steps {
		e.steps[steps[i].Node] = &steps[i]
	}
	return e
}

// StepID is the ID of a case's step for a flowchart node: derived from both, so the
// steps a case shows before acceptance (planned, not yet stored) keep their IDs when
// acceptance stores them.
func StepID(caseID uuid.UUID, node string) uuid.UUID {
	return uuid.NewSHA1(caseID, []byte(node))
}

// instantiate creates one pending row per flowchart node, ordered by the flowchart's
// topological position (for display). A case's rows are stored when it is accepted;
// until then it shows them as planned.
func instantiate(fc catalogue.Flowchart, tenantID, caseID uuid.UUID, deptByCode map[string]uuid.UUID) []Step {
	order := map[string]int{}
	for i, st := range fc.Steps {
		order[st.ID] = i
	}
	out := make([]Step, 0, len(fc.Steps))
	for _, st := range fc.Steps {
		row := Step{
			ID: StepID(caseID, st.ID), TenantID: tenantID, CaseID: caseID, Node: st.ID, Kind: string(st.Kind),
			Name: st.Name, Seq: order[st.ID], Role: st.Role, TimeLimit: st.TimeLimit, Counts: st.Counts,
			Checkpoint: st.Checkpoint, Status: StepPending,
		}
		if id, ok := deptByCode[st.DepartmentCode]; ok && st.Kind == catalogue.KindTask {
			row.DepartmentID = &id
		}
		out = append(out, row)
	}
	return out
}

// start passes the start node (acceptance) and activates what follows it.
func (e *engine) start(now time.Time) {
	s := e.steps[e.fc.Start().ID]
	s.Status, s.ActivatedAt, s.CompletedAt = StepDone, &now, &now
	e.advance(s.Node, now)
}

// advance activates the successors of a finished node: tasks become active, splits
// pass at once, a join passes when all its predecessors are done, the end is reached.
func (e *engine) advance(node string, now time.Time) {
	for _, next := range e.fc.Successors(node) {
		s := e.steps[next]
		switch catalogue.StepKind(s.Kind) {
		case catalogue.KindTask:
			e.activate(s, now)
		case catalogue.KindSplit:
			s.Status, s.ActivatedAt, s.CompletedAt = StepDone, &now, &now
			e.advance(s.Node, now)
		case catalogue.KindJoin:
			if e.allDone(e.fc.Predecessors(s.Node)) && s.Status != StepDone {
				s.Status, s.ActivatedAt, s.CompletedAt = StepDone, &now, &now
				e.advance(s.Node, now)
			}
		case catalogue.KindEnd:
			s.Status, s.ActivatedAt, s.CompletedAt = StepDone, &now, &now
		}
	}
}

func (e *engine) activate(s *Step, now time.Time) {
	s.Status = StepActive
	s.ActivatedAt = &now
	s.CompletedAt, s.CompletedBy, s.CompletedByName, s.Opinion = nil, nil, "", ""
	s.StoppedDays = 0
	s.Rounds++
}

func (e *engine) allDone(nodes []string) bool {
	for _, n := range nodes {
		if e.steps[n].Status != StepDone {
			return false
		}
	}
	return true
}

// complete finishes an active task and advances the flowchart.
func (e *engine) complete(s *Step, now time.Time, by uuid.UUID, byName, opinion string) error {
	if s.Kind != string(catalogue.KindTask) || s.Status != StepActive {
		return apperr.Conflict("casework.step_not_active", apperr.Params{"step": s.Name, "extra": map[string]any{"status": s.Status}})
	}
	s.Status, s.CompletedAt, s.CompletedBy, s.CompletedByName, s.Opinion = StepDone, &now, &by, byName, opinion
	e.advance(s.Node, now)
	return nil
}

// returnTo sends the work from an active task back to an earlier task: every node
// downstream of the earlier task goes back to pending and the earlier task is active
// again. Returning behind a split therefore stops the sibling branches too (the case
// is back at the earlier step, so no department may keep working on it, and the
// parallel approval restarts when the split passes again); returning within one
// branch leaves the other branches alone, as they are not downstream of the target.
func (e *engine) returnTo(from *Step, to *Step, now time.Time) error {
	if from.Status != StepActive {
		return apperr.Conflict("casework.step_not_active", apperr.Params{"step": from.Name, "extra": map[string]any{"status": from.Status}})
	}
	if to.Kind != string(catalogue.KindTask) || to.Status != StepDone {
		return apperr.Invalid("validation_failed").WithField("to_step", "casework.return_target")
	}
	after := e.reach(to.Node, true)
	if !after[from.Node] {
		return apperr.Invalid("validation_failed").WithField("to_step", "casework.return_target")
	}
	for node := range after {
		if node != to.Node {
			s := e.steps[node]
			s.Status, s.ActivatedAt, s.CompletedAt, s.CompletedBy, s.CompletedByName, s.Opinion = StepPending, nil, nil, nil, "", ""
			s.DueAt, s.DueDate, s.StoppedDays = nil, nil, 0
		}
	}
	e.activate(to, now)
	return nil
}

// reach is the set of nodes reachable from id (forward) or reaching id (backward),
// including id.
func (e *engine) reach(id string, forward bool) map[string]bool {
	seen := map[string]bool{id: true}
	stack := []string{id}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		next := e.fc.Successors(n)
		if !forward {
			next = e.fc.Predecessors(n)
		}
		for _, m := range next {
			if !seen[m] {
				seen[m] = true
				stack = append(stack, m)
			}
		}
	}
	return seen
}

// started reports whether the case has passed its start node (acceptance).
func (e *engine) started() bool { return e.steps[e.fc.Start().ID].Status == StepDone }

// finished reports whether the end node has been reached.
func (e *engine) finished() bool { return e.steps[e.fc.End().ID].Status == StepDone }

// active returns the active tasks.
func (e *engine) active() []*Step {
	var out []*Step
	for _, s := range e.steps {
		if s.Status == StepActive {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// onlyUncounted reports whether work is under way and none of it counts toward the
// legal clock (then the case's clock stops).
func (e *engine) onlyUncounted() bool {
	act := e.active()
	if len(act) == 0 {
		return false
	}
	for _, s := range act {
		if s.Counts {
			return false
		}
	}
	return true
}

// ordered returns the rows by their flowchart position.
func (e *engine) ordered() []*Step {
	out := make([]*Step, 0, len(e.steps))
	for _, s := range e.steps {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}
