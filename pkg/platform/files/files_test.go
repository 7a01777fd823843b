package files_test

import (
	"archive/zip"
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/platform/clock"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/platform/dbtest"
	"sunshine/pkg/platform/files"
)

func ownerExec(t *testing.T, url string, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func newTenant(t *testing.T, env *dbtest.Env, code string) actor.Actor {
	t.Helper()
	id := uuid.New()
	ownerExec(t, env.OwnerURL, `INSERT INTO tenants (id, code, name, level, path) VALUES ('`+id.String()+`', '`+code+`', 'T', 'city', '`+code+`')`)
	return actor.Actor{Kind: actor.KindUser, UserID: uuid.New(), Username: "clerk", TenantID: id, TenantCode: code, TenantPath: code}
}

// samplePDF is the smallest thing mimetype recognises as a PDF.
func samplePDF(extra int) []byte {
	return append([]byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"), append(bytes.Repeat([]byte("x"), extra), []byte("\n%%EOF\n")...)...)
}

func samplePNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type fixture struct {
	env   *dbtest.Env
	store *files.Store
	dir   string
	clk   *clock.Fake
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	env := dbtest.New(t)
	dir := t.TempDir()
	u, err := files.LocalURL(filepath.Join(dir, "bucket"))
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC))
	st, err := files.Open(context.Background(), files.Config{URL: u, MaxBytes: 64 << 10}, env.DB, clk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	st.Register("case.material", files.Policy{MaxBytes: 32 << 10, Types: files.Documents})
	return &fixture{env: env, store: st, dir: filepath.Join(dir, "bucket"), clk: clk}
}

func blobCount(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	_ = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && !strings.HasSuffix(p, ".attrs") {
			n++
		}
		return nil
	})
	return n
}

func TestPutChecksContentNotName(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	a := newTenant(t, f.env, "410581")

	pdf, err := f.store.Put(ctx, a, files.Upload{Kind: "case.material", Name: `C:\scans\营业执照.pdf`, Body: bytes.NewReader(samplePDF(100))})
	if err != nil {
		t.Fatal(err)
	}
	if pdf.MediaType != files.PDF || pdf.Name != "营业执照.pdf" || pdf.Size != int64(len(samplePDF(100))) || len(pdf.SHA256) != 32 {
		t.Fatalf("stored pdf: %+v", pdf)
	}
	// A PNG named .pdf is stored as what it is.
	img, err := f.store.Put(ctx, a, files.Upload{Kind: "case.material", Name: "photo.pdf", Body: bytes.NewReader(samplePNG(t))})
	if err != nil || img.MediaType != files.PNG {
		t.Fatalf("png named pdf: %+v %v", img, err)
	}

	// Disguised: a zip (or an executable, or HTML) named .pdf is refused by content.
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	w, _ := zw.Create("a.txt")
	_, _ = w.Write([]byte("hello"))
	_ = zw.Close()
	for name, body := range map[string][]byte{
		"archive.pdf": zbuf.Bytes(),
		"page.pdf":    []byte("<html><script>alert(1)</script></html>"),
		"tool.jpg":    append([]byte("MZ\x90\x00"), bytes.Repeat([]byte{0}, 200)...),
	} {
		_, err := f.store.Put(ctx, a, files.Upload{Kind: "case.material", Name: name, Body: bytes.NewReader(body)})
		if e := apperr.From(err); e == nil || e.Kind != apperr.KindUnsupportedMedia || e.Code != "files.type_not_allowed" {
			t.Fatalf("%s: want 415 files.type_not_allowed, got %v", name, err)
		}
	}
	// Empty.
	_, err = f.store.Put(ctx, a, files.Upload{Kind: "case.material", Name: "x.pdf", Body: bytes.NewReader(nil)})
	if e := apperr.From(err); e == nil || e.Kind != apperr.KindInvalid {
		t.Fatalf("empty: %v", err)
	}
	// Too large for the kind: refused, and nothing is left behind (no blob, no row).
	before := blobCount(t, f.dir)
	_, err = f.store.Put(ctx, a, files.Upload{Kind: "case.material", Name: "big.pdf", Body: bytes.NewReader(samplePDF(40 << 10))})
	if e := apperr.From(err); e == nil || e.Kind != apperr.KindPayloadTooLarge {
		t.Fatalf("oversized: %v", err)
	}
	if after := blobCount(t, f.dir); after != before {
		t.Fatalf("an oversized upload left %d blob(s)", after-before)
	}
	var rows int64
	_ = f.env.DB.Tx(ctx, db.TenantScope(a.TenantID, a.UserID), func(tx *gorm.DB) error {
		return tx.Model(&files.File{}).Count(&rows).Error
	})
	if rows != 2 {
		t.Fatalf("rows: %d, want 2", rows)
	}

	// The bytes come back as stored.
	r, err := f.store.Open(ctx, pdf)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	_ = r.Close()
	if !bytes.Equal(got, samplePDF(100)) {
		t.Fatal("read back differs")
	}
}

func TestAttachIsolationAndImmutability(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	a := newTenant(t, f.env, "410581")
	b := newTenant(t, f.env, "410522")
	fa, err := f.store.Put(ctx, a, files.Upload{Kind: "case.material", Name: "a.pdf", Body: bytes.NewReader(samplePDF(10))})
	if err != nil {
		t.Fatal(err)
	}
	fb, err := f.store.Put(ctx, b, files.Upload{Kind: "case.material", Name: "b.pdf", Body: bytes.NewReader(samplePDF(10))})
	if err != nil {
		t.Fatal(err)
	}
	owner := uuid.New()

	// Tenant a cannot attach (or even see) tenant b's file.
	err = f.env.DB.Tx(ctx, db.TenantScope(a.TenantID, a.UserID), func(tx *gorm.DB) error {
		_, err := files.Attach(tx, f.clk.Now(), "case.material", owner, []uuid.UUID{fa.ID, fb.ID}, "materials")
		return err
	})
	if e := apperr.From(err); e == nil || e.Kind != apperr.KindInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "materials[1]" {
		t.Fatalf("cross-tenant attach: %v", err)
	}
	err = f.env.DB.Tx(ctx, db.TenantScope(a.TenantID, a.UserID), func(tx *gorm.DB) error {
		if _, err := files.Get(tx, fb.ID, "case.material", nil); !apperr.IsKind(err, apperr.KindNotFound) {
			t.Errorf("tenant a reads tenant b's file: %v", err)
		}
		// The failed attach above rolled back: fa is still pending and attaches now.
		got, err := files.Attach(tx, f.clk.Now(), "case.material", owner, []uuid.UUID{fa.ID}, "materials")
		if err != nil || len(got) != 1 || *got[0].OwnerID != owner {
			t.Errorf("attach: %+v %v", got, err)
		}
		// Attaching again to the same owner (a retried request) is fine; to another is not.
		if _, err := files.Attach(tx, f.clk.Now(), "case.material", owner, []uuid.UUID{fa.ID}, "materials"); err != nil {
			t.Errorf("re-attach to the same owner: %v", err)
		}
		if _, err := files.Attach(tx, f.clk.Now(), "case.material", uuid.New(), []uuid.UUID{fa.ID}, "materials"); err == nil {
			t.Error("a file attached to one owner was attached to another")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The database refuses deleting or moving an attached file, even to the application.
	err = f.env.DB.Tx(ctx, db.TenantScope(a.TenantID, a.UserID), func(tx *gorm.DB) error {
		return tx.Exec(`DELETE FROM files WHERE id = ?`, fa.ID).Error
	})
	if err == nil {
		t.Fatal("an attached file was deleted")
	}
	err = f.env.DB.Tx(ctx, db.TenantScope(a.TenantID, a.UserID), func(tx *gorm.DB) error {
		return tx.Exec(`UPDATE files SET owner_id = ? WHERE id = ?`, uuid.New(), fa.ID).Error
	})
	if err == nil {
		t.Fatal("an attached file was moved")
	}
	// Listing by owner.
	_ = f.env.DB.Tx(ctx, db.TenantScope(a.TenantID, a.UserID), func(tx *gorm.DB) error {
		list, err := files.Owned(tx, "case.material", owner)
		if err != nil || len(list) != 1 || list[0].ID != fa.ID {
			t.Errorf("owned: %+v %v", list, err)
		}
		return nil
	})
}

func TestPruneRemovesOnlyAbandonedUploads(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	a := newTenant(t, f.env, "410581")
	kept, _ := f.store.Put(ctx, a, files.Upload{Kind: "case.material", Name: "kept.pdf", Body: bytes.NewReader(samplePDF(1))})
	gone, _ := f.store.Put(ctx, a, files.Upload{Kind: "case.material", Name: "gone.pdf", Body: bytes.NewReader(samplePDF(2))})
	if err := f.env.DB.Tx(ctx, db.TenantScope(a.TenantID, a.UserID), func(tx *gorm.DB) error {
		_, err := files.Attach(tx, f.clk.Now(), "case.material", uuid.New(), []uuid.UUID{kept.ID}, "m")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(2 * time.Hour)
	fresh, _ := f.store.Put(ctx, a, files.Upload{Kind: "case.material", Name: "fresh.pdf", Body: bytes.NewReader(samplePDF(3))})
	n, err := f.store.Prune(ctx, []uuid.UUID{a.TenantID, uuid.New()}, time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("prune: %d %v", n, err)
	}
	if _, err := f.store.ReadAll(ctx, gone); err == nil {
		t.Fatal("a pruned upload's bytes are still there")
	}
	for _, still := range []*files.File{kept, fresh} {
		if b, err := f.store.ReadAll(ctx, still); err != nil || len(b) == 0 {
			t.Fatalf("%s was pruned: %v", still.Name, err)
		}
	}
}

func TestCleanNameAndDisposition(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"../../etc/passwd":                "passwd",
		`C:\Users\a\申请书.pdf`:              "申请书.pdf",
		"a\x00b\nc.pdf":                   "abc.pdf",
		"":                                "file",
		"..":                              "file",
		"\xff\xfe.pdf":                    ".pdf",
		strings.Repeat("长", 300) + ".pdf": strings.Repeat("长", 116) + ".pdf",
	} {
		if got := files.CleanName(in); got != want {
			t.Errorf("CleanName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := files.ContentDisposition(`营业"执照.pdf`); got != `attachment; filename="___"__.pdf"; filename*=UTF-8''%E8%90%A5%E4%B8%9A%22%E6%89%A7%E7%85%A7.pdf` &&
		!strings.Contains(got, "filename*=UTF-8''") {
		t.Errorf("disposition: %s", got)
	}
	if strings.Count(files.ContentDisposition(`a"b.pdf`), `"`) != 2 {
		t.Error("a quote in the name breaks the header")
	}
}

func TestOpenRefusesBadConfig(t *testing.T) {
	t.Parallel()
	if _, err := files.Open(context.Background(), files.Config{URL: "", MaxBytes: 1}, nil, nil); err == nil || !strings.Contains(err.Error(), "SUNSHINE_FILES_URL") {
		t.Fatalf("empty URL: %v", err)
	}
	if _, err := files.Open(context.Background(), files.Config{URL: "nosuch://x", MaxBytes: 1}, nil, nil); err == nil {
		t.Fatal("unknown scheme opened")
	}
}
