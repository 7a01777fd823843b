package db

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

// Batch sends the queued statements of b to PostgreSQL in one round trip, after a
// first statement that binds the scope, and hands the results to read. PostgreSQL
// runs a pipeline up to its sync point as one implicit transaction: the scope holds
// for every statement, and an error in any statement rolls all of them back.
//
// It is for hot paths (a case's detail, intake) where the round trips of an explicit
// transaction — BEGIN, set the scope, each query, COMMIT — cost more than the work.
// Because every statement is sent before any result is read, a write batch must not
// depend on what read() finds: decide first, then send.
func (d *DB) Batch(ctx context.Context, scope Scope, b *pgx.Batch, read func(br pgx.BatchResults) error) error {
	return d.withConn(ctx, func(pc *pgx.Conn) error {
		full := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, len(b.QueuedQueries)+1)}
		q, args := scope.scopeSQL("$")
		full.Queue(q, args...)
		full.QueuedQueries = append(full.QueuedQueries, b.QueuedQueries...)
		br := pc.SendBatch(ctx, full)
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return err
		}
		var rerr error
		if read != nil {
			rerr = read(br)
		}
		cerr := br.Close()
		if rerr != nil {
			return rerr
		}
		return cerr
	})
}

// withConn runs fn on a pool connection's pgx connection (pipelines need pgx itself,
// not database/sql).
func (d *DB) withConn(ctx context.Context, fn func(pc *pgx.Conn) error) error {
	sqlDB, err := d.gorm.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("db: pipelines need the pgx driver, got %T", dc)
		}
		return fn(sc.Conn())
	})
}

// NoRows reports whether err means a query found nothing.
func NoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }

// QueueInsert adds the INSERT GORM would run for v (a model or a slice of models) to a
// pipeline, hooks and timestamps included.
func (d *DB) QueueInsert(b *pgx.Batch, v any) error {
	stmt := d.gorm.Session(&gorm.Session{DryRun: true, NewDB: true}).Create(v).Statement
	if stmt.Error != nil {
		return stmt.Error
	}
	b.Queue(stmt.SQL.String(), stmt.Vars...)
	return nil
}

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

// QueueInsertsThen adds to a pipeline ONE statement that inserts every value (models or
// slices of models, with their BeforeSave/BeforeCreate hooks) as data-modifying CTEs
// and then runs final (whose placeholders count from $1). Parents and children may go
// together: foreign keys are checked at the end of the statement.
//
// The columns are GORM's (from the model's schema, parsed once per type), but the
// statement is written here: GORM's Create machinery, run dry per request, was a
// tenth of an intake's Go time. TestInsertColumnsMatchGORM keeps the two in step.
func (d *DB) QueueInsertsThen(b *pgx.Batch, final string, finalArgs []any, values ...any) error {
	var sb strings.Builder
	args := make([]any, 0, 64)
	sb.WriteString("WITH ")
	for i, v := range values {
		if i > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "ins%d AS (", i)
		var err error
		if args, err = d.appendInsert(&sb, args, v); err != nil {
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

func (d *DB) insertPlan(t reflect.Type) (*insertPlan, error) {
	if p, ok := insertPlans.Load(t); ok {
		return p.(*insertPlan), nil
	}
	sch, err := schema.Parse(reflect.New(t).Interface(), &schemaCache, d.gorm.NamingStrategy)
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
func (d *DB) appendInsert(sb *strings.Builder, args []any, v any) ([]any, error) {
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
		return nil, fmt.Errorf("db: nothing to insert for %T", v)
	}
	p, err := d.insertPlan(rows[0].Type())
	if err != nil {
		return nil, err
	}
	sb.WriteString(p.head)
	ctx := context.Background()
	for r, row := range rows {
		if row.CanAddr() { // GORM's hooks, as Create would run them
			m := row.Addr().Interface()
			if h, ok := m.(interface{ BeforeSave(*gorm.DB) error }); ok {
				if err := h.BeforeSave(d.gorm); err != nil {
					return nil, err
				}
			}
			if h, ok := m.(interface{ BeforeCreate(*gorm.DB) error }); ok {
				if err := h.BeforeCreate(d.gorm); err != nil {
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
