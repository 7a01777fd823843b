package workflow_test

import (
	"errors"
	"reflect"
	"testing"

	"sunshine/pkg/apperr"
	"sunshine/pkg/workflow"
)

func machine() *workflow.Machine {
	return workflow.New("wftest", "方案", "scheme").
		State("draft", "草稿", "draft").
		State("approved", "已批准", "approved").
		State("published", "已发布", "published").
		Action("edit", "修改", "edit", []string{"draft"}, "").
		Action("approve", "批准", "approve", []string{"draft"}, "approved").
		Action("publish", "发布", "publish", []string{"approved"}, "published")
}

var m = machine()

func TestNextFollowsTheTable(t *testing.T) {
	if got, err := m.Next("approve", "draft"); err != nil || got != "approved" {
		t.Fatalf("approve from draft = %q, %v; want approved", got, err)
	}
	if got, err := m.Next("edit", "draft"); err != nil || got != "draft" {
		t.Fatalf("edit (To empty) = %q, %v; want the state kept", got, err)
	}
}

func TestIllegalTransitionNamesTheCurrentState(t *testing.T) {
	_, err := m.Next("publish", "draft")
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want *apperr.Error", err)
	}
	if ae.Kind != apperr.KindConflict || ae.Code != "wftest.illegal_transition" {
		t.Fatalf("kind/code = %v/%s", ae.Kind, ae.Code)
	}
	if zh := apperr.Message(ae.Code, "zh-CN", ae.Params); zh != "方案当前状态为「草稿」，不能发布" {
		t.Fatalf("zh message = %q", zh)
	}
	if en := apperr.Message(ae.Code, "en", ae.Params); en != "The scheme is draft; it cannot publish now" {
		t.Fatalf("en message = %q", en)
	}
}

func TestAllowedIsFilteredAndOrdered(t *testing.T) {
	if got := m.Allowed("draft", nil); !reflect.DeepEqual(got, []string{"edit", "approve"}) {
		t.Fatalf("allowed(draft) = %v", got)
	}
	noApprove := func(a string) bool { return a != "approve" }
	if got := m.Allowed("draft", noApprove); !reflect.DeepEqual(got, []string{"edit"}) {
		t.Fatalf("allowed(draft, no approve) = %v", got)
	}
	if got := m.Allowed("published", nil); got == nil || len(got) != 0 {
		t.Fatalf("allowed(published) = %#v, want empty non-nil", got)
	}
}

func TestDeclarationMistakesPanic(t *testing.T) {
	for name, f := range map[string]func(){
		"undeclared state": func() {
			workflow.New("wfbad1", "x", "x").State("a", "a", "a").Action("go", "去", "go", []string{"b"}, "a")
		},
		"duplicate state":   func() { workflow.New("wfbad2", "x", "x").State("a", "a", "a").State("a", "a", "a") },
		"undeclared action": func() { _ = m.Check("fly", "draft") },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			f()
		})
	}
}

func TestLabels(t *testing.T) {
	if l := m.StateLabel("approved"); l.Zh != "已批准" || l.En != "approved" {
		t.Fatalf("label = %+v", l)
	}
	if l := m.StateLabel("nonesuch"); l.Zh != "nonesuch" {
		t.Fatalf("undeclared label = %+v", l)
	}
	if got := m.States(); !reflect.DeepEqual(got, []string{"draft", "approved", "published"}) {
		t.Fatalf("states = %v", got)
	}
}
