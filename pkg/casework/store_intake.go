package casework

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"sunshine/pkg/catalogue"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/servicecentre"
)

// intakeFacts are what an intake must check, read in one query: the power (its code,
// name and version in force), the window and whether the clerk is authorised there,
// and the project. The rules that judge them live with their owners:
// catalogue.Power.InForceVersion, servicecentre.WindowFacts.Check,
// projects.CheckOpen.
type intakeFacts struct {
	powerFound    bool
	power         catalogue.Power
	window        servicecentre.WindowFacts
	projectFound  bool
	projectStatus string
}

// intakeQuery reads the facts of an intake: $1 power, $2 window, $3 user, $4 project,
// $5 tenant. The window and project rows are joined by ID only: RLS confines them to
// the scope, and the rules compare their tenants' items.
const intakeQuery = `SELECT p.in_force_version_id, p.code, p.name,
		w.active, w.comprehensive, w.department_id,
		EXISTS (SELECT 1 FROM window_staff ws WHERE ws.window_id = w.id AND ws.user_id = $3),
		pr.status
	FROM powers p
	LEFT JOIN windows w ON w.id = $2
	LEFT JOIN projects pr ON pr.id = $4 AND pr.tenant_id = p.tenant_id
	WHERE p.id = $1 AND p.tenant_id = $5`

// intakeFacts reads the facts of an intake in scope; concurrent intakes' reads share
// a round trip. It draws no tracking number (drawTrackingNumber does, once the intake
// is known to be written): a read group is run again change by change when one of its
// statements fails, and a sequence does not roll back.
func (st *store) intakeFacts(ctx context.Context, scope db.Scope, powerID uuid.UUID, windowID *uuid.UUID, userID uuid.UUID, projectID *uuid.UUID) (intakeFacts, error) {
	var f intakeFacts
	b := &pgx.Batch{}
	b.Queue(intakeQuery, powerID, windowID, userID, projectID, scope.Tenant)
	err := st.intakeReads.Query(ctx, scope, b, func(br pgx.BatchResults) error {
		f = intakeFacts{}
		var active, comprehensive *bool
		var dept *uuid.UUID
		var project *string
		err := br.QueryRow().Scan(&f.power.InForceVersionID, &f.power.Code, &f.power.Name, &active, &comprehensive, &dept, &f.window.Staff, &project)
		if db.NoRows(err) {
			return nil
		}
		if err != nil {
			return err
		}
		f.powerFound, f.power.ID = true, powerID
		if active != nil {
			f.window.Found, f.window.Active, f.window.Comprehensive, f.window.DepartmentID = true, *active, *comprehensive, *dept
		}
		if project != nil {
			f.projectFound, f.projectStatus = true, *project
		}
		return nil
	})
	return f, err
}

// drawTrackingNumber draws the next number of the tracking sequence. Draws of
// concurrent intakes share a round trip, in a committer of their own whose groups hold
// nothing but draws, so none is ever run twice.
func (st *store) drawTrackingNumber(ctx context.Context) (int64, error) {
	var n int64
	b := &pgx.Batch{}
	b.Queue(`SELECT nextval('case_tracking_seq')`)
	err := st.numbers.Query(ctx, db.Scope{}, b, func(br pgx.BatchResults) error { return br.QueryRow().Scan(&n) })
	return n, err
}

// writeIntake writes a new case, its timeline and fees and the audit append (auditSQL,
// its placeholders counted from $1) as one statement; concurrent intakes commit
// together.
func (st *store) writeIntake(ctx context.Context, scope db.Scope, c *Case, events []Event, fees []Fee, auditSQL string, auditArgs []any) error {
	values := []any{c, &events}
	if len(fees) > 0 {
		values = append(values, &fees)
	}
	b := &pgx.Batch{}
	if err := st.inserts.QueueInsertsThen(b, auditSQL, auditArgs, values...); err != nil {
		return err
	}
	if err := st.intakes.Exec(ctx, scope, b); err != nil {
		return db.Classify(err)
	}
	return nil
}
