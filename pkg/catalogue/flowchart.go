package catalogue

import (
	"fmt"
	"regexp"
	"strings"

	"sunshine/pkg/apperr"
	"sunshine/pkg/authz"
)

// StepKind is what a flowchart node is.
type StepKind string

// Step kinds: start and end are the one entry and exit; a task is work someone does;
// a split opens parallel branches (并联审批) that must meet again at one join.
const (
	KindStart StepKind = "start"
	KindTask  StepKind = "task"
	KindSplit StepKind = "split"
	KindJoin  StepKind = "join"
	KindEnd   StepKind = "end"
)

// StepKinds lists the kinds in display order.
var StepKinds = []StepKind{KindStart, KindTask, KindSplit, KindJoin, KindEnd}

// Control reports whether the kind is a control node (no work, no time).
func (k StepKind) Control() bool { return k != KindTask }

// HandlingRoles are the roles a task may name as its handler.
var HandlingRoles = []string{authz.WindowClerk, authz.CaseHandler, authz.DeptAdmin, authz.LegalReviewer}

// Step is one node of a flowchart.
type Step struct {
	ID   string   `json:"id"`
	Name string   `json:"name"`
	Kind StepKind `json:"kind"`
	// Post is the handling post (承办岗位), free text.
	Post string `json:"post"`
	// Role is the authz role that handles the step (a task's handler).
	Role string `json:"role"`
	// DepartmentCode may differ from the item's department (joint items, 并联审批).
	DepartmentCode string `json:"department_code"`
	// TimeLimit is in working days (0 for control nodes).
	TimeLimit int `json:"time_limit"`
	// Counts says whether the step's time counts toward the legal clock.
	Counts bool `json:"counts"`
	// Checkpoint marks a supervision checkpoint (监督制约环节).
	Checkpoint         bool   `json:"checkpoint"`
	Duties             string `json:"duties"`
	CounterpartyRights string `json:"counterparty_rights"`
}

// Edge is a directed connection between two steps.
type Edge struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Flowchart is the executable procedure of a version: what the portal draws and what
// cases follow.
type Flowchart struct {
	Steps []Step `json:"steps"`
	Edges []Edge `json:"edges"`
}

// Step returns the step with id.
func (f Flowchart) Step(id string) (Step, bool) {
	for _, s := range f.Steps {
		if s.ID == id {
			return s, true
		}
	}
	return Step{}, false
}

// Successors lists the steps id leads to, in edge order.
func (f Flowchart) Successors(id string) []string {
	var out []string
	for _, e := range f.Edges {
		if e.From == id {
			out = append(out, e.To)
		}
	}
	return out
}

// Predecessors lists the steps that lead to id, in edge order.
func (f Flowchart) Predecessors(id string) []string {
	var out []string
	for _, e := range f.Edges {
		if e.To == id {
			out = append(out, e.From)
		}
	}
	return out
}

// Start returns the start step (the zero Step if there is none; a validated
// flowchart always has exactly one).
func (f Flowchart) Start() Step {
	for _, s := range f.Steps {
		if s.Kind == KindStart {
			return s
		}
	}
	return Step{}
}

// End returns the end step (the zero Step if there is none).
func (f Flowchart) End() Step {
	for _, s := range f.Steps {
		if s.Kind == KindEnd {
			return s
		}
	}
	return Step{}
}

// Tasks lists the task steps in their stored order.
func (f Flowchart) Tasks() []Step {
	var out []Step
	for _, s := range f.Steps {
		if s.Kind == KindTask {
			out = append(out, s)
		}
	}
	return out
}

// LongestCountedPath is the largest sum of counted task limits over the paths from
// the start to the end: the working days the procedure needs at worst when parallel
// branches run side by side. It is 0 for a flowchart with a cycle.
func (f Flowchart) LongestCountedPath() int {
	days, _ := f.longestPath()
	return days
}

// CriticalPath lists the step IDs of a longest counted path.
func (f Flowchart) CriticalPath() []string {
	_, path := f.longestPath()
	return path
}

func (f Flowchart) longestPath() (int, []string) {
	order, ok := f.topoOrder()
	if !ok {
		return 0, nil
	}
	weight := func(id string) int {
		s, _ := f.Step(id)
		if s.Kind == KindTask && s.Counts && s.TimeLimit > 0 {
			return s.TimeLimit
		}
		return 0
	}
	best := map[string]int{}
	prev := map[string]string{}
	reached := map[string]bool{}
	start := f.Start().ID
	if start == "" {
		return 0, nil
	}
	reached[start] = true
	best[start] = weight(start)
	for _, id := range order {
		if !reached[id] {
			continue
		}
		for _, next := range f.Successors(id) {
			d := best[id] + weight(next)
			if !reached[next] || d > best[next] {
				reached[next], best[next], prev[next] = true, d, id
			}
		}
	}
	end := f.End().ID
	target, days := end, best[end]
	if end == "" || !reached[end] {
		// Without a reachable end, report the longest path to anywhere.
		target, days = "", -1
		for _, id := range order {
			if reached[id] && best[id] > days {
				target, days = id, best[id]
			}
		}
		if target == "" {
			return 0, nil
		}
	}
	var path []string
	for id := target; id != ""; id = prev[id] {
		path = append([]string{id}, path...)
		if id == start {
			break
		}
	}
	return days, path
}

// topoOrder returns the steps in a topological order; ok is false when the edges
// (among known steps) contain a cycle.
func (f Flowchart) topoOrder() ([]string, bool) {
	known := map[string]bool{}
	for _, s := range f.Steps {
		known[s.ID] = true
	}
	in := map[string]int{}
	for _, e := range f.Edges {
		if known[e.From] && known[e.To] {
			in[e.To]++
		}
	}
	var queue, order []string
	for _, s := range f.Steps {
		if in[s.ID] == 0 {
			queue = append(queue, s.ID)
		}
	}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		order = append(order, id)
		for _, e := range f.Edges {
			if e.From == id && known[e.To] {
				in[e.To]--
				if in[e.To] == 0 {
					queue = append(queue, e.To)
				}
			}
		}
	}
	return order, len(order) == len(known)
}

var stepIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// MaxSteps bounds a flowchart's size (a real procedure has a dozen steps).
const MaxSteps = 100

// Validate checks the flowchart's shape against the rules that make it executable,
// collecting every problem (field paths "flowchart.steps[3].time_limit",
// "flowchart.edges[2]") into one 422 error:
//   - exactly one start and one end; known kinds; unique well-formed step IDs;
//   - time limits ≥ 0, and 0 for control nodes; every task names a handling role and
//     a department code (the service checks that the department exists);
//   - edges join known steps, no self-loops or duplicates; start has one way out,
//     end one way in, a task one in and one out, a split one in and ≥ 2 out, a join
//     ≥ 2 in and one out;
//   - every step reachable from the start and able to reach the end; no cycles;
//   - every split's branches meet at one join, properly nested;
//   - the longest path's counted task limits are ≤ promisedLimit.
func (f Flowchart) Validate(promisedLimit int) error {
	var v apperr.Fields
	f.validate(&v, promisedLimit)
	return v.Err()
}

func (f Flowchart) validate(v *apperr.Fields, promisedLimit int) {
	const p = "flowchart."
	if len(f.Steps) == 0 {
		v.Add(p+"steps", "catalogue.flow_empty")
		return
	}
	if len(f.Steps) > MaxSteps {
		v.Add(p+"steps", "catalogue.flow_too_many", apperr.Params{"max": MaxSteps})
		return
	}
	index := map[string]int{}
	var starts, ends []int
	shapeOK := true
	for i, s := range f.Steps {
		sp := fmt.Sprintf("%ssteps[%d].", p, i)
		switch {
		case !stepIDRE.MatchString(s.ID):
			v.Add(sp+"id", "catalogue.flow_step_id")
			shapeOK = false
		default:
			if j, dup := index[s.ID]; dup {
				v.Add(sp+"id", "catalogue.flow_duplicate_id", apperr.Params{"id": s.ID, "other": j + 1})
				shapeOK = false
			} else {
				index[s.ID] = i
			}
		}
		switch s.Kind {
		case KindStart:
			starts = append(starts, i)
		case KindEnd:
			ends = append(ends, i)
		case KindTask, KindSplit, KindJoin:
		default:
			v.Add(sp+"kind", "not_allowed_value", apperr.Params{"allowed": "start, task, split, join, end"})
			shapeOK = false
		}
		if s.TimeLimit < 0 {
			v.Add(sp+"time_limit", "catalogue.flow_negative_limit")
		} else if s.Kind.Control() && s.TimeLimit != 0 {
			v.Add(sp+"time_limit", "catalogue.flow_control_limit")
		}
		if s.Kind == KindTask {
			v.Required(sp+"name", s.Name)
			if len([]rune(s.Name)) > 100 {
				v.Add(sp+"name", "too_long", apperr.Params{"max": 100})
			}
			if s.Role == "" {
				v.Add(sp+"role", "required")
			} else if !isHandlingRole(s.Role) {
				v.Add(sp+"role", "not_allowed_value", apperr.Params{"allowed": strings.Join(HandlingRoles, ", ")})
			}
			v.Required(sp+"department_code", s.DepartmentCode)
		}
	}
	switch {
	case len(starts) == 0:
		v.Add(p+"steps", "catalogue.flow_no_start")
		shapeOK = false
	case len(starts) > 1:
		for _, i := range starts[1:] {
			v.Add(fmt.Sprintf("%ssteps[%d].kind", p, i), "catalogue.flow_many_start")
		}
		shapeOK = false
	}
	switch {
	case len(ends) == 0:
		v.Add(p+"steps", "catalogue.flow_no_end")
		shapeOK = false
	case len(ends) > 1:
		for _, i := range ends[1:] {
			v.Add(fmt.Sprintf("%ssteps[%d].kind", p, i), "catalogue.flow_many_end")
		}
		shapeOK = false
	}

	// Edges.
	seen := map[Edge]bool{}
	in, out := map[string]int{}, map[string]int{}
	for i, e := range f.Edges {
		ep := fmt.Sprintf("%sedges[%d]", p, i)
		_, okFrom := index[e.From]
		_, okTo := index[e.To]
		switch {
		case !okFrom || !okTo:
			missing := e.From
			if okFrom {
				missing = e.To
			}
			v.Add(ep, "catalogue.flow_edge_unknown", apperr.Params{"id": missing})
			shapeOK = false
			continue
		case e.From == e.To:
			v.Add(ep, "catalogue.flow_edge_self", apperr.Params{"id": e.From})
			shapeOK = false
			continue
		case seen[e]:
			v.Add(ep, "catalogue.flow_edge_duplicate", apperr.Params{"from": e.From, "to": e.To})
			shapeOK = false
			continue
		}
		seen[e] = true
		out[e.From]++
		in[e.To]++
	}
	for i, s := range f.Steps {
		if _, ok := index[s.ID]; !ok || index[s.ID] != i {
			continue
		}
		sp := fmt.Sprintf("%ssteps[%d]", p, i)
		n, m := in[s.ID], out[s.ID]
		var code string
		switch s.Kind {
		case KindStart:
			if n != 0 || m != 1 {
				code = "catalogue.flow_start_edges"
			}
		case KindEnd:
			if n != 1 || m != 0 {
				code = "catalogue.flow_end_edges"
			}
		case KindTask:
			if n != 1 || m != 1 {
				code = "catalogue.flow_task_edges"
			}
		case KindSplit:
			if n != 1 || m < 2 {
				code = "catalogue.flow_split_edges"
			}
		case KindJoin:
			if n < 2 || m != 1 {
				code = "catalogue.flow_join_edges"
			}
		}
		if code != "" {
			v.Add(sp, code, apperr.Params{"id": s.ID, "in": n, "out": m})
			shapeOK = false
		}
	}

	// Reachability both ways (only over well-formed edges).
	if len(starts) == 1 {
		reach := f.reach(f.Steps[starts[0]].ID, true)
		for i, s := range f.Steps {
			if index[s.ID] == i && !reach[s.ID] {
				v.Add(fmt.Sprintf("%ssteps[%d]", p, i), "catalogue.flow_unreachable", apperr.Params{"id": s.ID})
				shapeOK = false
			}
		}
	}
	if len(ends) == 1 {
		reach := f.reach(f.Steps[ends[0]].ID, false)
		for i, s := range f.Steps {
			if index[s.ID] == i && !reach[s.ID] {
				v.Add(fmt.Sprintf("%ssteps[%d]", p, i), "catalogue.flow_dead_end", apperr.Params{"id": s.ID})
				shapeOK = false
			}
		}
	}
	if id, ok := f.cycleAt(); ok {
		v.Add(fmt.Sprintf("%ssteps[%d]", p, index[id]), "catalogue.flow_cycle", apperr.Params{"id": id})
		shapeOK = false
	}
	if !shapeOK {
		return
	}
	// With the degrees right and no cycles, check that splits and joins nest.
	if field, code, params := f.nesting(index); code != "" {
		v.Add(field, code, params)
		return
	}
	if days, path := f.longestPath(); days > promisedLimit {
		names := make([]string, 0, len(path))
		for _, id := range path {
			if s, _ := f.Step(id); s.Kind == KindTask {
				names = append(names, s.Name)
			}
		}
		v.Add(p+"steps", "catalogue.flow_exceeds_promised", apperr.Params{"days": days, "promised": promisedLimit, "path": strings.Join(names, " → ")})
	}
}

func isHandlingRole(r string) bool {
	for _, h := range HandlingRoles {
		if h == r {
			return true
		}
	}
	return false
}

// reach returns the steps reachable from id, forwards or backwards.
func (f Flowchart) reach(id string, forward bool) map[string]bool {
	seen := map[string]bool{id: true}
	stack := []string{id}
	for len(stack) > 0 {
		cur := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		next := f.Predecessors(cur)
		if forward {
			next = f.Successors(cur)
		}
		for _, n := range next {
			if !seen[n] {
				seen[n] = true
				stack = append(stack, n)
			}
		}
	}
	return seen
}

// cycleAt returns a step on a cycle, if there is one (depth-first search).
func (f Flowchart) cycleAt() (string, bool) {
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var found string
	var visit func(id string) bool
	visit = func(id string) bool {
		color[id] = grey
		for _, n := range f.Successors(id) {
			if _, ok := f.Step(n); !ok || n == id {
				continue
			}
			switch color[n] {
			case grey:
				found = n
				return true
			case white:
				if visit(n) {
					return true
				}
			}
		}
		color[id] = black
		return false
	}
	for _, s := range f.Steps {
		if color[s.ID] == white && visit(s.ID) {
			return found, true
		}
	}
	return "", false
}

// nesting walks the flowchart from the start: every split's branches must each run
// into the same join, which has exactly as many incoming edges as the split has
// branches (so branches neither leak out of their block nor enter from outside), and
// the main line must end at the end step. It returns the offending field and code.
func (f Flowchart) nesting(index map[string]int) (string, string, apperr.Params) {
	stepField := func(id string) string { return fmt.Sprintf("flowchart.steps[%d]", index[id]) }
	// walk follows a line from id until it reaches a join or the end, returning it.
	var walk func(id string, depth int) (string, string, string, apperr.Params)
	walk = func(id string, depth int) (stop string, field, code string, params apperr.Params) {
		cur := id
		for guard := 0; guard <= len(f.Steps); guard++ {
			s, _ := f.Step(cur)
			switch s.Kind {
			case KindEnd, KindJoin:
				return cur, "", "", nil
			case KindStart, KindTask:
				cur = f.Successors(cur)[0]
			case KindSplit:
				branches := f.Successors(cur)
				join := ""
				for _, b := range branches {
					stop, field, code, params := walk(b, depth+1)
					if code != "" {
						return "", field, code, params
					}
					st, _ := f.Step(stop)
					if st.Kind != KindJoin {
						return "", stepField(cur), "catalogue.flow_split_unjoined", apperr.Params{"id": cur}
					}
					if join == "" {
						join = stop
					} else if join != stop {
						return "", stepField(cur), "catalogue.flow_split_many_joins", apperr.Params{"id": cur, "a": join, "b": stop}
					}
				}
				if n := len(f.Predecessors(join)); n != len(branches) {
					return "", stepField(join), "catalogue.flow_join_mismatch", apperr.Params{"id": join, "split": cur, "in": n, "branches": len(branches)}
				}
				cur = f.Successors(join)[0]
			}
		}
		return "", "flowchart.steps", "catalogue.flow_cycle", apperr.Params{"id": id}
	}
	stop, field, code, params := walk(f.Start().ID, 0)
	if code != "" {
		return field, code, params
	}
	if s, _ := f.Step(stop); s.Kind != KindEnd {
		return stepField(stop), "catalogue.flow_join_unmatched", apperr.Params{"id": stop}
	}
	return "", "", nil
}

func init() {
	apperr.Register("catalogue.flow_empty", "流程图至少需要开始、办理环节和结束", "A flowchart needs a start, steps and an end")
	apperr.Register("catalogue.flow_too_many", "流程图的环节不能超过 {max} 个", "A flowchart may have at most {max} steps")
	apperr.Register("catalogue.flow_step_id", "环节编号须为 1-32 位字母、数字、下划线或连字符", "Step IDs are 1–32 letters, digits, underscores or hyphens")
	apperr.Register("catalogue.flow_duplicate_id", "环节编号 {id} 与第 {other} 个环节重复", "Step ID {id} repeats step {other}")
	apperr.Register("catalogue.flow_negative_limit", "时限不能为负数", "A time limit cannot be negative")
	apperr.Register("catalogue.flow_control_limit", "开始、结束、分支、汇合节点的时限必须为 0", "Start, end, split and join nodes take no time (0)")
	apperr.Register("catalogue.flow_no_start", "流程图必须有一个开始节点", "A flowchart needs one start")
	apperr.Register("catalogue.flow_many_start", "流程图只能有一个开始节点", "A flowchart has exactly one start")
	apperr.Register("catalogue.flow_no_end", "流程图必须有一个结束节点", "A flowchart needs one end")
	apperr.Register("catalogue.flow_many_end", "流程图只能有一个结束节点", "A flowchart has exactly one end")
	apperr.Register("catalogue.flow_edge_unknown", "连线指向不存在的环节 {id}", "The edge refers to an unknown step {id}")
	apperr.Register("catalogue.flow_edge_self", "环节 {id} 不能连向自己", "Step {id} cannot lead to itself")
	apperr.Register("catalogue.flow_edge_duplicate", "连线 {from} → {to} 重复", "The edge {from} → {to} is repeated")
	apperr.Register("catalogue.flow_start_edges", "开始节点 {id} 不能有入线，且只能有一条出线（现有入 {in} 出 {out}）", "The start {id} takes no incoming edge and exactly one outgoing (has {in} in, {out} out)")
	apperr.Register("catalogue.flow_end_edges", "结束节点 {id} 必须恰有一条入线且没有出线（现有入 {in} 出 {out}）", "The end {id} takes exactly one incoming edge and none outgoing (has {in} in, {out} out)")
	apperr.Register("catalogue.flow_task_edges", "办理环节 {id} 必须恰有一条入线和一条出线（现有入 {in} 出 {out}）；并行办理请使用分支和汇合节点", "Task {id} takes exactly one incoming and one outgoing edge (has {in} in, {out} out); use split and join nodes for parallel work")
	apperr.Register("catalogue.flow_split_edges", "分支节点 {id} 必须有一条入线和至少两条出线（现有入 {in} 出 {out}）", "Split {id} takes one incoming edge and at least two outgoing (has {in} in, {out} out)")
	apperr.Register("catalogue.flow_join_edges", "汇合节点 {id} 必须有至少两条入线和一条出线（现有入 {in} 出 {out}）", "Join {id} takes at least two incoming edges and one outgoing (has {in} in, {out} out)")
	apperr.Register("catalogue.flow_unreachable", "从开始节点无法到达环节 {id}", "Step {id} cannot be reached from the start")
	apperr.Register("catalogue.flow_dead_end", "环节 {id} 无法到达结束节点", "Step {id} cannot reach the end")
	apperr.Register("catalogue.flow_cycle", "流程在环节 {id} 处形成回路", "The flowchart loops back at step {id}")
	apperr.Register("catalogue.flow_split_unjoined", "分支节点 {id} 的并行分支没有在汇合节点会合", "The branches of split {id} do not meet at a join")
	apperr.Register("catalogue.flow_split_many_joins", "分支节点 {id} 的并行分支必须在同一个汇合节点会合（现为 {a} 和 {b}）", "The branches of split {id} must meet at one join (they meet at {a} and {b})")
	apperr.Register("catalogue.flow_join_mismatch", "汇合节点 {id} 有 {in} 条入线，但对应的分支节点 {split} 有 {branches} 条分支", "Join {id} has {in} incoming edges but its split {split} has {branches} branches")
	apperr.Register("catalogue.flow_join_unmatched", "汇合节点 {id} 没有对应的分支节点", "Join {id} has no matching split")
	apperr.Register("catalogue.flow_exceeds_promised", "最长办理路径的计时环节合计 {days} 个工作日，超过承诺时限 {promised} 个工作日（{path}）", "The longest path's counted steps take {days} working days, more than the promised {promised} ({path})")
}
