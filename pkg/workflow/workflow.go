// Package workflow is the one way Sunshine writes a state machine: a transition
// table (which actions may start from which states, and where each leads), labels for
// states and actions in both languages, the illegal-transition error that names the
// current state, and the list of actions a caller may take now (a detail's
// allowed_actions, which the console shows as-is instead of keeping its own copy of
// the machine).
//
// A capability declares its machine once, at package level:
//
//	var machine = workflow.New("casework", "案件", "case").
//		State("submitted", "已登记待受理", "submitted").
//		State("in_progress", "办理中", "in progress").
//		Action("accept", "受理", "accept", []string{"submitted"}, "in_progress")
//
// and asks it before every change: `next, err := machine.Next("accept", c.Status)`.
// A transition whose target depends on the data (a step completed may or may not
// finish the case) declares To as "" and the service sets the status itself after
// machine.Check.
package workflow

import (
	"fmt"
	"slices"

	"sunshine/pkg/apperr"
)

// Label names a state or an action in both languages.
type Label struct {
	Zh string `json:"zh"`
	En string `json:"en"`
}

// Transition is one row of the table.
type Transition struct {
	Action string
	From   []string
	// To is the state the action leads to; "" when the service decides (it stays, or
	// depends on the data).
	To string
}

// Machine is a declared state machine. It is immutable after declaration and safe for
// concurrent use.
type Machine struct {
	name        string
	states      map[string]Label
	stateOrder  []string
	actions     map[string]Label
	transitions map[string]Transition
	actionOrder []string
	code        string
}

// New declares a machine. name prefixes its error code (name + ".illegal_transition");
// nounZh/nounEn name the thing whose state it is ("案件"/"case") in that error's text.
// If the code is already registered (a capability that kept its historic message), the
// registered text stays.
func New(name, nounZh, nounEn string) *Machine {
	m := &Machine{
		name: name, states: map[string]Label{}, actions: map[string]Label{}, transitions: map[string]Transition{},
		code: name + ".illegal_transition",
	}
	if !apperr.Registered(m.code) {
		apperr.Register(m.code, nounZh+"当前状态为「{status_zh}」，不能{action_zh}",
			"The "+nounEn+" is {status_en}; it cannot {action_en} now")
	}
	return m
}

// State declares a state and its labels. Declaring a state twice panics (a typo in a
// table is a programming error, found by the package's first test).
func (m *Machine) State(code, zh, en string) *Machine {
	if _, dup := m.states[code]; dup {
		panic(fmt.Sprintf("workflow %s: state %q declared twice", m.name, code))
	}
	m.states[code] = Label{Zh: zh, En: en}
	m.stateOrder = append(m.stateOrder, code)
	return m
}

// Action declares an action: its labels, the states it may start from and the state it
// leads to ("" when the service decides). Every state named must be declared first.
func (m *Machine) Action(code, zh, en string, from []string, to string) *Machine {
	if _, dup := m.actions[code]; dup {
		panic(fmt.Sprintf("workflow %s: action %q declared twice", m.name, code))
	}
	for _, s := range append(slices.Clone(from), to) {
		if s == "" {
			continue
		}
		if _, ok := m.states[s]; !ok {
			panic(fmt.Sprintf("workflow %s: action %q names undeclared state %q", m.name, code, s))
		}
	}
	m.actions[code] = Label{Zh: zh, En: en}
	m.transitions[code] = Transition{Action: code, From: slices.Clone(from), To: to}
	m.actionOrder = append(m.actionOrder, code)
	return m
}

// Name is the machine's name (its error-code prefix).
func (m *Machine) Name() string { return m.name }

// Code is the machine's illegal-transition error code.
func (m *Machine) Code() string { return m.code }

// Can reports whether action may start from state.
func (m *Machine) Can(action, state string) bool {
	t, ok := m.transitions[action]
	return ok && slices.Contains(t.From, state)
}

// Check returns nil when action may start from state, and otherwise the 409 conflict
// naming the current state and the refused action in both languages (extra carries
// both codes for clients).
func (m *Machine) Check(action, state string) error {
	if _, ok := m.transitions[action]; !ok {
		panic(fmt.Sprintf("workflow %s: undeclared action %q", m.name, action))
	}
	if m.Can(action, state) {
		return nil
	}
	return m.Illegal(action, state)
}

// Illegal is the illegal-transition error for action from state.
func (m *Machine) Illegal(action, state string) *apperr.Error {
	sl, al := m.StateLabel(state), m.ActionLabel(action)
	return apperr.Conflict(m.code, apperr.Params{
		"action": action, "action_zh": al.Zh, "action_en": al.En,
		"status": state, "status_zh": sl.Zh, "status_en": sl.En,
		"extra": map[string]any{"status": state, "action": action},
	})
}

// Next checks the transition and returns the state it leads to (state itself when the
// action's To is "").
func (m *Machine) Next(action, state string) (string, error) {
	if err := m.Check(action, state); err != nil {
		return state, err
	}
	if to := m.transitions[action].To; to != "" {
		return to, nil
	}
	return state, nil
}

// Allowed lists, in declaration order, the actions that may start from state and that
// may(action) permits (the caller's permissions, ownership, …; nil permits all). It is
// never nil, so it encodes as [] rather than null.
func (m *Machine) Allowed(state string, may func(action string) bool) []string {
	out := []string{}
	for _, a := range m.actionOrder {
		if m.Can(a, state) && (may == nil || may(a)) {
			out = append(out, a)
		}
	}
	return out
}

// StateLabel returns a state's labels; an undeclared state is labelled by its code.
func (m *Machine) StateLabel(state string) Label {
	if l, ok := m.states[state]; ok {
		return l
	}
	return Label{Zh: state, En: state}
}

// ActionLabel returns an action's labels; an undeclared action is labelled by its code.
func (m *Machine) ActionLabel(action string) Label {
	if l, ok := m.actions[action]; ok {
		return l
	}
	return Label{Zh: action, En: action}
}

// States lists the declared states in declaration order.
func (m *Machine) States() []string { return slices.Clone(m.stateOrder) }

// Actions lists the declared actions in declaration order.
func (m *Machine) Actions() []string { return slices.Clone(m.actionOrder) }

// Transitions lists the table in declaration order (documentation, diagrams, tests).
func (m *Machine) Transitions() []Transition {
	out := make([]Transition, 0, len(m.actionOrder))
	for _, a := range m.actionOrder {
		t := m.transitions[a]
		t.From = slices.Clone(t.From)
		out = append(out, t)
	}
	return out
}

// StateLabels maps every state to its Chinese label (exports, printed documents).
func (m *Machine) StateLabels() map[string]string {
	out := make(map[string]string, len(m.states))
	for s, l := range m.states {
		out[s] = l.Zh
	}
	return out
}
