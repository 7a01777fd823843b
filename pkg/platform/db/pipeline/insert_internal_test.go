package pipeline

import (
	"strings"
	"testing"
)

func TestWriteShiftedRenumbersEveryPlaceholder(t *testing.T) {
	for _, c := range []struct {
		in     string
		offset int
		want   string
	}{
		{`INSERT INTO t (a, b) VALUES ($1,$2),($3,$4)`, 0, `INSERT INTO t (a, b) VALUES ($1,$2),($3,$4)`},
		{`INSERT INTO t (a, b) VALUES ($1,$2),($9,$10)`, 207, `INSERT INTO t (a, b) VALUES ($208,$209),($216,$217)`},
		{`SELECT audit_append($1, $2::json) WHERE x = '$' AND y = $`, 5, `SELECT audit_append($6, $7::json) WHERE x = '$' AND y = $`},
		{`$1`, 1, `$2`},
	} {
		var sb strings.Builder
		writeShifted(&sb, c.in, c.offset)
		if got := sb.String(); got != c.want {
			t.Errorf("writeShifted(%q, %d) = %q, want %q", c.in, c.offset, got, c.want)
		}
	}
}
