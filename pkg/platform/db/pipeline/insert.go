package pipeline

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"sunshine/pkg/platform/db"
)

// writeShifted writes sql to sb with its $n placeholders renumbered by offset (GORM's
// statements carry no literals, so every "$digits" is a placeholder). A scanner, not a
// regular expression: intake renumbers a few hundred placeholders per request.
func writeShifted(sb *strings.Builder, sql string, offset int) {
	if offset == 0 {
		sb.WriteString(sql)
		return
	}
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		if c != '$' || i+1 >= len(sql) || sql[i+1] < '0' || sql[i+1] > '9' {
			sb.WriteByte(c)
			continue
		}
		j := i + 1
		n := 0
		for j < len(sql) && sql[j] >= '0' && sql[j] <= '9' {
			n = n*10 + int(sql[j]-'0')
			j++
		}
		sb.WriteByte('$')
		sb.WriteString(strconv.Itoa(n + offset))
		i = j - 1
	}
}

// Inserter writes the INSERT statements of models for pipelines, with GORM's columns
// and hooks but without GORM's per-statement machinery.
type Inserter struct{ g *gorm.DB }

// NewInserter builds an inserter over d's models (its naming strategy; the hooks get
// a handle without a scope, as GORM's Create would pass outside a transaction).
func NewInserter(d *db.DB) *Inserter { return &Inserter{g: d.Gorm(context.Background())} }

// QueueInsertsThen adds to a pipeline ONE statement that inserts every value (models or
// slices of models, with their BeforeSave/BeforeCreate hooks) as data-modifying CTEs
// and then runs final (whose placeholders count from $1). Parents and children may go
// together: foreign keys are checked at the end of the statement.
//
// The columns are GORM's (from the model's schema, parsed once per type), but the
// statement is written here: GORM's Create machinery, run dry per request, was a
// tenth of an intake's Go time. TestInsertColumnsMatchGORM keeps the two in step.
func (w *Inserter) QueueInsertsThen(b *pgx.Batch, final string, finalArgs []any, values ...any) error {
	g := w.g
	var sb strings.Builder
	args := make([]any, 0, 64)
	sb.WriteString("WITH ")
	for i, v := range values {
		if i > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "ins%d AS (", i)
		var err error
		if args, err = appendInsert(g, &sb, args, v); err != nil {
			return err
		}
		sb.WriteByte(')')
	}
	sb.WriteString(" ")
	writeShifted(&sb, final, len(args))
	args = append(args, finalArgs...)
	b.Queue(sb.String(), args...)
	return nil
}

// insertPlan is how rows of a model type are inserted.
type insertPlan struct {
	head   string // INSERT INTO "table" ("a","b",…) VALUES
	fields []*schema.Field
}

var (
	insertPlans sync.Map // reflect.Type → *insertPlan
	schemaCache sync.Map
)

func planFor(g *gorm.DB, t reflect.Type) (*insertPlan, error) {
	if p, ok := insertPlans.Load(t); ok {
		return p.(*insertPlan), nil
	}
	sch, err := schema.Parse(reflect.New(t).Interface(), &schemaCache, g.NamingStrategy)
	if err != nil {
		return nil, err
	}
	p := &insertPlan{}
	var sb strings.Builder
	fmt.Fprintf(&sb, "INSERT INTO %q (", sch.Table)
	for _, f := range sch.Fields {
		if f.DBName == "" || !f.Creatable {
			continue
		}
		if len(p.fields) > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, "%q", f.DBName)
		p.fields = append(p.fields, f)
	}
	sb.WriteString(") VALUES ")
	p.head = sb.String()
	insertPlans.Store(t, p)
	return p, nil
}

// appendInsert writes the INSERT of v (a pointer to a model or to a slice of models)
// with placeholders numbered after args, and returns args with v's values appended.
func appendInsert(g *gorm.DB, sb *strings.Builder, args []any, v any) ([]any, error) {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	rows := []reflect.Value{rv}
	if rv.Kind() == reflect.Slice {
		rows = make([]reflect.Value, rv.Len())
		for i := range rows {
			rows[i] = rv.Index(i)
		}
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("pipeline: nothing to insert for %T", v)
	}
	p, err := planFor(g, rows[0].Type())
	if err != nil {
		return nil, err
	}
	sb.WriteString(p.head)
	ctx := context.Background()
	for r, row := range rows {
		if row.CanAddr() { // GORM's hooks, as Create would run them
			m := row.Addr().Interface()
			if h, ok := m.(interface{ BeforeSave(*gorm.DB) error }); ok {
				if err := h.BeforeSave(g); err != nil {
					return nil, err
				}
			}
			if h, ok := m.(interface{ BeforeCreate(*gorm.DB) error }); ok {
				if err := h.BeforeCreate(g); err != nil {
					return nil, err
				}
			}
		}
		if r > 0 {
			sb.WriteByte(',')
		}
		sb.WriteByte('(')
		for i, f := range p.fields {
			if i > 0 {
				sb.WriteByte(',')
			}
			val, _ := f.ValueOf(ctx, row)
			args = append(args, val)
			sb.WriteByte('$')
			sb.WriteString(strconv.Itoa(len(args)))
		}
		sb.WriteByte(')')
	}
	return args, nil
}
