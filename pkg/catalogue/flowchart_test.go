package catalogue

import (
	"reflect"
	"testing"

	"sunshine/pkg/apperr"
)

func task(id string, days int) Step {
	return Step{ID: id, Name: "环节" + id, Kind: KindTask, Role: "case_handler", DepartmentCode: "ZJJ", TimeLimit: days, Counts: true}
}

func ctl(id string, k StepKind) Step { return Step{ID: id, Name: string(k), Kind: k} }

func edges(pairs ...string) []Edge {
	var out []Edge
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, Edge{From: pairs[i], To: pairs[i+1]})
	}
	return out
}

// parallel is 受理 → split → (ZJJ 5 | ZRZY 3 | STHJ 4) → join → 决定 2 → end.
func parallel() Flowchart {
	a, b, c := task("zj", 5), task("zr", 3), task("hb", 4)
	b.DepartmentCode, c.DepartmentCode = "ZRZY", "STHJ"
	return Flowchart{
		Steps: []Step{ctl("s", KindStart), task("accept", 1), ctl("sp", KindSplit), a, b, c, ctl("jn", KindJoin), task("decide", 2), ctl("e", KindEnd)},
		Edges: edges("s", "accept", "accept", "sp", "sp", "zj", "sp", "zr", "sp", "hb", "zj", "jn", "zr", "jn", "hb", "jn", "jn", "decide", "decide", "e"),
	}
}

func linear() Flowchart {
	return Flowchart{
		Steps: []Step{ctl("s", KindStart), task("a", 1), task("b", 3), ctl("e", KindEnd)},
		Edges: edges("s", "a", "a", "b", "b", "e"),
	}
}

// fieldCodes maps each field of a validation error to its codes.
func fieldCodes(err error) map[string][]string {
	out := map[string][]string{}
	if err == nil {
		return out
	}
	for _, f := range apperr.From(err).Fields {
		out[f.Field] = append(out[f.Field], f.Code)
	}
	return out
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestFlowchartValidate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		f        func() Flowchart
		promised int
		want     map[string]string // field → code; nil means valid
	}{
		{"linear is valid", linear, 4, nil},
		{"parallel is valid", parallel, 8, nil},
		{"nested parallel is valid", func() Flowchart {
			f := parallel()
			// Replace branch zr by split2 → (x | y) → join2.
			f.Steps = append(f.Steps, ctl("sp2", KindSplit), task("x", 1), task("y", 1), ctl("jn2", KindJoin))
			f.Edges = edges("s", "accept", "accept", "sp", "sp", "zj", "sp", "sp2", "sp", "hb", "sp2", "x", "sp2", "y", "x", "jn2", "y", "jn2", "jn2", "zr",
				"zj", "jn", "zr", "jn", "hb", "jn", "jn", "decide", "decide", "e")
			return f
		}, 8, nil},
		{"empty", func() Flowchart { return Flowchart{} }, 5, map[string]string{"flowchart.steps": "catalogue.flow_empty"}},
		{"no start", func() Flowchart {
			f := linear()
			f.Steps[0].Kind = KindTask
			f.Steps[0].Role, f.Steps[0].DepartmentCode = "case_handler", "ZJJ"
			f.Steps[0].Name = "x"
			return f
		}, 5, map[string]string{"flowchart.steps": "catalogue.flow_no_start", "flowchart.steps[0]": "catalogue.flow_task_edges"}},
		{"two starts", func() Flowchart {
			f := linear()
			f.Steps = append(f.Steps, ctl("s2", KindStart))
			f.Edges = append(f.Edges, Edge{"s2", "b"})
			return f
		}, 5, map[string]string{"flowchart.steps[4].kind": "catalogue.flow_many_start", "flowchart.steps[2]": "catalogue.flow_task_edges"}},
		{"no end", func() Flowchart {
			f := linear()
			f.Steps = f.Steps[:3]
			f.Edges = f.Edges[:2]
			return f
		}, 5, map[string]string{"flowchart.steps": "catalogue.flow_no_end", "flowchart.steps[2]": "catalogue.flow_task_edges"}},
		{"two ends", func() Flowchart {
			f := linear()
			f.Steps = append(f.Steps, ctl("e2", KindEnd))
			return f
		}, 5, map[string]string{"flowchart.steps[4].kind": "catalogue.flow_many_end", "flowchart.steps[4]": "catalogue.flow_unreachable"}},
		{"bad kind and id", func() Flowchart {
			f := linear()
			f.Steps[1].Kind = "loop"
			f.Steps[2].ID = "b c"
			return f
		}, 5, map[string]string{"flowchart.steps[1].kind": "not_allowed_value", "flowchart.steps[2].id": "catalogue.flow_step_id",
			"flowchart.edges[1]": "catalogue.flow_edge_unknown", "flowchart.edges[2]": "catalogue.flow_edge_unknown"}},
		{"duplicate id", func() Flowchart {
			f := linear()
			f.Steps[2].ID = "a"
			return f
		}, 5, map[string]string{"flowchart.steps[2].id": "catalogue.flow_duplicate_id", "flowchart.edges[1]": "catalogue.flow_edge_unknown", "flowchart.steps[1]": "catalogue.flow_task_edges"}},
		{"self loop", func() Flowchart {
			f := linear()
			f.Edges = append(f.Edges, Edge{"b", "b"})
			return f
		}, 5, map[string]string{"flowchart.edges[3]": "catalogue.flow_edge_self"}},
		{"negative limit", func() Flowchart {
			f := linear()
			f.Steps[2].TimeLimit = -1
			return f
		}, 5, map[string]string{"flowchart.steps[2].time_limit": "catalogue.flow_negative_limit"}},
		{"control node with a limit", func() Flowchart {
			f := parallel()
			f.Steps[2].TimeLimit = 2
			return f
		}, 20, map[string]string{"flowchart.steps[2].time_limit": "catalogue.flow_control_limit"}},
		{"task without role, department and name", func() Flowchart {
			f := linear()
			f.Steps[1].Role, f.Steps[1].DepartmentCode, f.Steps[1].Name = "", "", ""
			f.Steps[2].Role = "supervisor"
			return f
		}, 5, map[string]string{"flowchart.steps[1].role": "required", "flowchart.steps[1].department_code": "required",
			"flowchart.steps[1].name": "required", "flowchart.steps[2].role": "not_allowed_value"}},
		{"edge to unknown step", func() Flowchart {
			f := linear()
			f.Edges[1].To = "zz"
			return f
		}, 5, map[string]string{"flowchart.edges[1]": "catalogue.flow_edge_unknown", "flowchart.steps[1]": "catalogue.flow_task_edges",
			"flowchart.steps[2]": "catalogue.flow_unreachable"}},
		{"duplicate edge", func() Flowchart {
			f := linear()
			f.Edges = append(f.Edges, Edge{"a", "b"})
			return f
		}, 5, map[string]string{"flowchart.edges[3]": "catalogue.flow_edge_duplicate"}},
		{"task with two ways out (parallel without split)", func() Flowchart {
			f := linear()
			f.Steps = append(f.Steps, task("c", 1))
			f.Edges = append(f.Edges, Edge{"a", "c"}, Edge{"c", "e"})
			return f
		}, 5, map[string]string{"flowchart.steps[1]": "catalogue.flow_task_edges", "flowchart.steps[3]": "catalogue.flow_end_edges"}},
		{"unreachable island", func() Flowchart {
			f := linear()
			f.Steps = append(f.Steps, task("x", 1), task("y", 1))
			f.Edges = append(f.Edges, Edge{"x", "y"}, Edge{"y", "x"})
			return f
		}, 5, map[string]string{"flowchart.steps[4]": "catalogue.flow_unreachable", "flowchart.steps[5]": "catalogue.flow_unreachable"}},
		{"dead end", func() Flowchart {
			f := parallel()
			// hb leads nowhere: the join now has 2 inputs.
			f.Edges = edges("s", "accept", "accept", "sp", "sp", "zj", "sp", "zr", "sp", "hb", "zj", "jn", "zr", "jn", "jn", "decide", "decide", "e")
			return f
		}, 20, map[string]string{"flowchart.steps[5]": "catalogue.flow_dead_end"}},
		{"cycle", func() Flowchart {
			// s → a → j(join) → b → sp(split) → (e | a'): a loop back through the join.
			f := Flowchart{
				Steps: []Step{ctl("s", KindStart), task("a", 1), ctl("j", KindJoin), task("b", 1), ctl("sp", KindSplit), ctl("e", KindEnd)},
				Edges: edges("s", "a", "a", "j", "j", "b", "b", "sp", "sp", "e", "sp", "j"),
			}
			return f
		}, 5, map[string]string{"flowchart.steps[2]": "catalogue.flow_cycle"}},
		{"branches meet at different joins", func() Flowchart {
			return Flowchart{
				Steps: []Step{ctl("s", KindStart), ctl("sp", KindSplit), task("a", 1), task("b", 1), task("c", 1),
					ctl("j1", KindJoin), ctl("sp2", KindSplit), task("d", 1), ctl("j2", KindJoin), ctl("e", KindEnd)},
				// sp → a,b,c; a,b → j1 → sp2 → (d | j2); c and d → j2 → e. Branch c of sp skips j1.
				Edges: edges("s", "sp", "sp", "a", "sp", "b", "sp", "c", "a", "j1", "b", "j1", "j1", "sp2", "sp2", "d", "sp2", "j2", "c", "j2", "d", "j2", "j2", "e"),
			}
		}, 10, map[string]string{"flowchart.steps[1]": "catalogue.flow_split_many_joins"}},
		{"join without split", func() Flowchart {
			return Flowchart{
				Steps: []Step{ctl("s", KindStart), ctl("sp", KindSplit), task("a", 1), task("b", 1), ctl("j1", KindJoin), task("c", 1), ctl("j2", KindJoin), ctl("e", KindEnd)},
				// The split's branches meet at j1 (a) and j2 (b): different joins.
				Edges: edges("s", "sp", "sp", "a", "sp", "b", "a", "j1", "c", "j1", "j1", "j2", "b", "j2", "j2", "e"),
			}
		}, 10, map[string]string{"flowchart.steps[5]": "catalogue.flow_unreachable"}},
		{"split whose branches meet at two joins", func() Flowchart {
			// s → sp → (a → j1, b → sp2 → (c → j1, d → j2)) — improperly nested.
			return Flowchart{
				Steps: []Step{ctl("s", KindStart), ctl("sp", KindSplit), task("a", 1), task("b", 1), ctl("sp2", KindSplit), task("c", 1), task("d", 1),
					ctl("j1", KindJoin), ctl("j2", KindJoin), ctl("e", KindEnd)},
				Edges: edges("s", "sp", "sp", "a", "sp", "b", "b", "sp2", "sp2", "c", "sp2", "d", "a", "j1", "c", "j1", "j1", "j2", "d", "j2", "j2", "e"),
			}
		}, 10, map[string]string{"flowchart.steps[4]": "catalogue.flow_split_many_joins"}},
		{"join receiving a branch from outside its split", func() Flowchart {
			// s → sp1 → (a → j1, b → sp2 → (c → j1, d → j1)); j1 → e: j1 closes both splits.
			return Flowchart{
				Steps: []Step{ctl("s", KindStart), ctl("sp1", KindSplit), task("a", 1), task("b", 1), ctl("sp2", KindSplit), task("c", 1), task("d", 1),
					ctl("j1", KindJoin), ctl("e", KindEnd)},
				Edges: edges("s", "sp1", "sp1", "a", "sp1", "b", "b", "sp2", "sp2", "c", "sp2", "d", "a", "j1", "c", "j1", "d", "j1", "j1", "e"),
			}
		}, 10, map[string]string{"flowchart.steps[7]": "catalogue.flow_join_mismatch"}},
		{"join without a split", func() Flowchart {
			// Two starts are impossible, so a lone join can only be fed by one line: its
			// degree is wrong. With two inputs it needs a split upstream.
			return Flowchart{
				Steps: []Step{ctl("s", KindStart), task("a", 1), ctl("j", KindJoin), ctl("e", KindEnd)},
				Edges: edges("s", "a", "a", "j", "j", "e"),
			}
		}, 10, map[string]string{"flowchart.steps[2]": "catalogue.flow_join_edges"}},
		{"longest path over the promised limit", parallel, 7, map[string]string{"flowchart.steps": "catalogue.flow_exceeds_promised"}},
		{"uncounted steps do not count", func() Flowchart {
			f := parallel()
			f.Steps[3].Counts = false // zj 5 → the longest counted branch is hb 4
			return f
		}, 7, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.f().Validate(tc.promised)
			got := fieldCodes(err)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want %v, got valid", tc.want)
			}
			if apperr.From(err).Kind != apperr.KindInvalid {
				t.Fatalf("want 422 kind, got %v", err)
			}
			for field, code := range tc.want {
				if !has(got[field], code) {
					t.Errorf("%s: want %s, got %q (all: %v)", field, code, got[field], got)
				}
			}
		})
	}
}

func TestFlowchartNavigation(t *testing.T) {
	t.Parallel()
	f := parallel()
	if f.Start().ID != "s" || f.End().ID != "e" {
		t.Fatal("start/end")
	}
	if got := f.Successors("sp"); !reflect.DeepEqual(got, []string{"zj", "zr", "hb"}) {
		t.Fatalf("successors: %v", got)
	}
	if got := f.Predecessors("jn"); !reflect.DeepEqual(got, []string{"zj", "zr", "hb"}) {
		t.Fatalf("predecessors: %v", got)
	}
	if s, ok := f.Step("zr"); !ok || s.DepartmentCode != "ZRZY" {
		t.Fatalf("step: %+v", s)
	}
	if _, ok := f.Step("nope"); ok {
		t.Fatal("unknown step found")
	}
	if d := f.LongestCountedPath(); d != 8 {
		t.Fatalf("longest: want 1+5+2 = 8, got %d", d)
	}
	if p := f.CriticalPath(); !reflect.DeepEqual(p, []string{"s", "accept", "sp", "zj", "jn", "decide", "e"}) {
		t.Fatalf("critical path: %v", p)
	}
	if len(f.Tasks()) != 5 {
		t.Fatalf("tasks: %d", len(f.Tasks()))
	}
}

func TestLongestPathOfCycleIsZero(t *testing.T) {
	t.Parallel()
	f := Flowchart{Steps: []Step{ctl("s", KindStart), task("a", 3), task("b", 3)}, Edges: edges("s", "a", "a", "b", "b", "a")}
	if d := f.LongestCountedPath(); d != 0 {
		t.Fatalf("want 0, got %d", d)
	}
}
