// Package files is the platform's one file store: applicants' and clerks' materials,
// complaint and disclosure attachments, a tenant's seal. The bytes live in a blob
// bucket behind gocloud.dev/blob (a local directory in dev, an S3-compatible bucket in
// production); the `files` table is the only way to reach them. Every file belongs to
// one tenant (forced row-level security), is checked by its content — never by its
// name — against the policy of its kind, and is served only through the endpoints of
// the object it is attached to, which authorise the caller. Blob keys are never shown.
//
// A file's life: Put stores an upload as pending (no owner); the capability attaches it
// to its object (Attach, in the object's own transaction), after which it is part of the
// record and can never be deleted or moved (the database refuses); pending uploads that
// nobody attached are pruned after a while.
package files

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gabriel-vasile/mimetype"
	"github.com/google/uuid"
	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:// buckets (dev, single-node, tests)
	_ "gocloud.dev/blob/memblob"  // mem:// buckets (tests)
	_ "gocloud.dev/blob/s3blob"   // s3:// buckets (production; any S3-compatible store)
	"gorm.io/gorm"

	"sunshine/pkg/actor"
	"sunshine/pkg/apperr"
	"sunshine/pkg/audit"
	"sunshine/pkg/platform/clock"
	"sunshine/pkg/platform/db"
)

// Media types a policy may allow. Detection reads the content (magic numbers).
const (
	PDF  = "application/pdf"
	PNG  = "image/png"
	JPEG = "image/jpeg"
	GIF  = "image/gif"
	WEBP = "image/webp"
)

// Documents is the usual set for materials and attachments: PDF and common images.
var Documents = []string{PDF, PNG, JPEG}

// Policy is what the files of one kind may be.
type Policy struct {
	// MaxBytes caps one file (0: the store's ceiling).
	MaxBytes int64
	// Types are the media types accepted, detected from the content.
	Types []string
	// UploadPerm is the permission a staff member needs to upload a file of this kind
	// through the generic upload endpoint (POST /api/v1/files); empty: not through it.
	UploadPerm string
}

// File is one stored file's record.
type File struct {
	ID         uuid.UUID  `gorm:"primaryKey" json:"id"`
	TenantID   uuid.UUID  `json:"-"`
	Kind       string     `json:"kind"`
	OwnerID    *uuid.UUID `json:"owner_id,omitempty"`
	Name       string     `json:"name"`
	MediaType  string     `json:"media_type"`
	Size       int64      `json:"size"`
	SHA256     []byte     `gorm:"column:sha256" json:"-"`
	BlobKey    string     `json:"-"`
	CreatedBy  *uuid.UUID `json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	AttachedAt *time.Time `json:"-"`
}

// TableName is the GORM table.
func (File) TableName() string { return "files" }

// Digest is the file's SHA-256 in hex (shown to staff so a printed list of materials
// can be matched to the stored bytes).
func (f *File) Digest() string { return fmt.Sprintf("%x", f.SHA256) }

// Config configures the store.
type Config struct {
	// URL of the bucket: file:///var/lib/sunshine/files, s3://bucket?region=…&endpoint=…,
	// mem:// (tests). See gocloud.dev/blob for each scheme's parameters.
	URL string
	// MaxBytes is the ceiling for any one file; a kind's policy may only lower it.
	MaxBytes int64
}

// Store is the file store.
type Store struct {
	bucket   *blob.Bucket
	db       *db.DB
	clock    clock.Clock
	maxBytes int64

	mu    sync.RWMutex
	kinds map[string]Policy
}

// Open opens the bucket at cfg.URL. A file:// directory is created when missing.
func Open(ctx context.Context, cfg Config, d *db.DB, clk clock.Clock) (*Store, error) {
	if cfg.URL == "" {
		return nil, errors.New("files: no bucket URL (files.url, SUNSHINE_FILES_URL)")
	}
	if cfg.MaxBytes <= 0 {
		return nil, errors.New("files: max_bytes must be positive (files.max_bytes, SUNSHINE_FILES_MAX_BYTES)")
	}
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("files: bucket URL (files.url): %w", err)
	}
	if u.Scheme == "file" {
		if err := os.MkdirAll(u.Path, 0o750); err != nil {
			return nil, fmt.Errorf("files: create %s: %w", u.Path, err)
		}
	}
	b, err := blob.OpenBucket(ctx, cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("files: open bucket %s: %w", redact(u), err)
	}
	if clk == nil {
		clk = clock.Real{}
	}
	return &Store{bucket: b, db: d, clock: clk, maxBytes: cfg.MaxBytes, kinds: map[string]Policy{}}, nil
}

// LocalURL is the file:// URL of a local directory (made absolute).
func LocalURL(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String(), nil
}

func redact(u *url.URL) string {
	c := *u
	c.User = nil
	c.RawQuery = ""
	return c.String()
}

// Close closes the bucket.
func (s *Store) Close() error { return s.bucket.Close() }

// MaxBytes is the store's ceiling for one file.
func (s *Store) MaxBytes() int64 { return s.maxBytes }

// Register declares a kind of file and its policy. Capabilities register their kinds
// when they are assembled; Put refuses unknown kinds.
func (s *Store) Register(kind string, p Policy) {
	if p.MaxBytes <= 0 || p.MaxBytes > s.maxBytes {
		p.MaxBytes = s.maxBytes
	}
	if len(p.Types) == 0 {
		p.Types = Documents
	}
	s.mu.Lock()
	s.kinds[kind] = p
	s.mu.Unlock()
}

// Policy returns the policy of a registered kind.
func (s *Store) Policy(kind string) (Policy, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.kinds[kind]
	return p, ok
}

// Upload is one file handed in.
type Upload struct {
	Kind string
	// Name is the name the sender gave; it is only ever shown, never trusted.
	Name string
	Body io.Reader
}

// sniffLen is how much of the head mimetype needs to recognise the accepted types.
const sniffLen = 3072

// Put checks an upload against its kind's policy by its content and stores it, pending,
// in the actor's tenant. The upload is audited. An oversized upload is refused as soon
// as it passes the limit, without reading the rest.
func (s *Store) Put(ctx context.Context, a actor.Actor, up Upload) (*File, error) {
	pol, ok := s.Policy(up.Kind)
	if !ok {
		return nil, apperr.Internal(fmt.Errorf("files: kind %q is not registered", up.Kind))
	}
	if a.TenantID == uuid.Nil {
		return nil, apperr.Internal(errors.New("files: upload without a tenant"))
	}
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(up.Body, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, apperr.Wrap(err, apperr.KindBadRequest, "files.unreadable")
	}
	head = head[:n]
	if n == 0 {
		return nil, apperr.Invalid("validation_failed").WithField("file", "files.empty")
	}
	detected := mimetype.Detect(head)
	mediaType := ""
	for _, t := range pol.Types {
		if detected.Is(t) {
			mediaType = t
			break
		}
	}
	if mediaType == "" {
		return nil, apperr.New(apperr.KindUnsupportedMedia, "files.type_not_allowed",
			apperr.Params{"detected": detected.String(), "allowed": strings.Join(pol.Types, ", ")})
	}

	id := uuid.Must(uuid.NewV7())
	key := "t/" + a.TenantID.String() + "/" + id.String()
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.bucket.NewWriter(wctx, key, &blob.WriterOptions{ContentType: mediaType})
	if err != nil {
		return nil, apperr.Internal(fmt.Errorf("files: open writer: %w", err))
	}
	sum := sha256.New()
	body := io.MultiReader(bytes.NewReader(head), up.Body)
	size, err := io.Copy(io.MultiWriter(w, sum), io.LimitReader(body, pol.MaxBytes+1))
	if err == nil && size > pol.MaxBytes {
		cancel() // aborts the write: nothing is left in the bucket
		_ = w.Close()
		return nil, apperr.New(apperr.KindPayloadTooLarge, "files.too_large", apperr.Params{"limit": pol.MaxBytes})
	}
	if err != nil {
		cancel()
		_ = w.Close()
		return nil, apperr.Wrap(err, apperr.KindBadRequest, "files.unreadable")
	}
	if err := w.Close(); err != nil {
		return nil, apperr.Internal(fmt.Errorf("files: write %s: %w", key, err))
	}

	uploader := (*uuid.UUID)(nil)
	if a.UserID != uuid.Nil {
		u := a.UserID
		uploader = &u
	}
	f := &File{ID: id, TenantID: a.TenantID, Kind: up.Kind, Name: CleanName(up.Name), MediaType: mediaType, Size: size,
		SHA256: sum.Sum(nil), BlobKey: key, CreatedBy: uploader, CreatedAt: s.clock.Now().UTC()}
	err = s.db.Tx(ctx, db.TenantScope(a.TenantID, a.UserID), func(tx *gorm.DB) error {
		if err := tx.Create(f).Error; err != nil {
			return db.Classify(err)
		}
		return audit.Record(tx, a, f.CreatedAt, audit.Event{Action: "file.upload", ObjectType: "file", ObjectID: id.String(),
			After: map[string]any{"kind": f.Kind, "name": f.Name, "media_type": f.MediaType, "size": f.Size, "sha256": f.Digest()}})
	})
	if err != nil {
		// The record is the only way to reach the bytes: without it they must go.
		_ = s.bucket.Delete(context.WithoutCancel(ctx), key)
		return nil, err
	}
	return f, nil
}

// Attach makes pending files of a kind part of an owner object, inside the owner's
// transaction (so the object and its files commit together). Each ID must be a pending
// file of that kind in the transaction's tenant, or already attached to this owner
// (a retried request); otherwise the returned error names the field path
// field[i]. It returns the attached files in the order of ids.
func Attach(tx *gorm.DB, now time.Time, kind string, owner uuid.UUID, ids []uuid.UUID, field string) ([]File, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if err := tx.Exec(`UPDATE files SET owner_id = ?, attached_at = ?
		WHERE id IN ? AND kind = ? AND owner_id IS NULL AND tenant_id = app_tenant_id()`, owner, now, ids, kind).Error; err != nil {
		return nil, db.Classify(err)
	}
	var got []File
	if err := tx.Where("id IN ? AND kind = ? AND owner_id = ? AND tenant_id = app_tenant_id()", ids, kind, owner).Find(&got).Error; err != nil {
		return nil, db.Classify(err)
	}
	byID := make(map[uuid.UUID]File, len(got))
	for _, f := range got {
		byID[f.ID] = f
	}
	out := make([]File, 0, len(ids))
	var bad *apperr.Error
	for i, id := range ids {
		f, ok := byID[id]
		if !ok {
			if bad == nil {
				bad = apperr.Invalid("validation_failed")
			}
			bad.WithField(fmt.Sprintf("%s[%d]", field, i), "files.not_attachable")
			continue
		}
		out = append(out, f)
	}
	if bad != nil {
		return nil, bad
	}
	return out, nil
}

// Owned lists the files of a kind attached to an owner, oldest first.
func Owned(tx *gorm.DB, kind string, owner uuid.UUID) ([]File, error) {
	var out []File
	err := tx.Where("kind = ? AND owner_id = ?", kind, owner).Order("created_at, id").Find(&out).Error
	return out, db.Classify(err)
}

// OwnedBy lists the files of a kind attached to any of the owners, grouped by owner.
func OwnedBy(tx *gorm.DB, kind string, owners []uuid.UUID) (map[uuid.UUID][]File, error) {
	out := map[uuid.UUID][]File{}
	if len(owners) == 0 {
		return out, nil
	}
	var rows []File
	if err := tx.Where("kind = ? AND owner_id IN ?", kind, owners).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, db.Classify(err)
	}
	for _, f := range rows {
		out[*f.OwnerID] = append(out[*f.OwnerID], f)
	}
	return out, nil
}

// Get reads one file's record in the transaction's read scope; another tenant's file,
// or one attached to another owner than the caller names, is not found.
func Get(tx *gorm.DB, id uuid.UUID, kind string, owner *uuid.UUID) (*File, error) {
	q := tx.Where("id = ? AND kind = ?", id, kind)
	if owner != nil {
		q = q.Where("owner_id = ?", *owner)
	}
	var f File
	if err := q.First(&f).Error; err != nil {
		return nil, db.Classify(err)
	}
	return &f, nil
}

// Open returns a reader of a file's bytes. The caller has authorised the reader for
// the object the file is attached to and read f through the database (Get, Owned).
func (s *Store) Open(ctx context.Context, f *File) (io.ReadCloser, error) {
	r, err := s.bucket.NewReader(ctx, f.BlobKey, nil)
	if err != nil {
		return nil, apperr.Internal(fmt.Errorf("files: read %s: %w", f.ID, err))
	}
	return r, nil
}

// ReadAll returns a file's bytes (for small files: seals, rendering a document).
func (s *Store) ReadAll(ctx context.Context, f *File) ([]byte, error) {
	b, err := s.bucket.ReadAll(ctx, f.BlobKey)
	if err != nil {
		return nil, apperr.Internal(fmt.Errorf("files: read %s: %w", f.ID, err))
	}
	return b, nil
}

// PruneTask is the task type of the periodic pruning of abandoned uploads.
const PruneTask = "files:prune"

// Prune deletes pending uploads older than age in the given tenants (each in its own
// scope; one tenant's failure does not stop the others) and then their bytes. It
// returns how many went and the first error met.
func (s *Store) Prune(ctx context.Context, tenants []uuid.UUID, age time.Duration) (int, error) {
	cutoff := s.clock.Now().Add(-age)
	total := 0
	var first error
	for _, t := range tenants {
		var keys []string
		err := s.db.Tx(ctx, db.TenantScope(t, uuid.Nil), func(tx *gorm.DB) error {
			return tx.Raw(`DELETE FROM files WHERE tenant_id = ? AND owner_id IS NULL AND created_at < ? RETURNING blob_key`, t, cutoff).
				Scan(&keys).Error
		})
		if err != nil {
			if first == nil {
				first = fmt.Errorf("files: prune tenant %s: %w", t, err)
			}
			continue
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := s.bucket.Delete(ctx, k); err != nil && first == nil {
				first = fmt.Errorf("files: delete %s: %w", k, err)
			}
		}
		total += len(keys)
	}
	return total, first
}

// CleanName makes a sender's file name safe to store and show: the last path element,
// valid UTF-8 without control characters, at most 120 characters; "file" when nothing
// is left.
func CleanName(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > 120 {
		r := []rune(name)
		ext := filepath.Ext(name)
		if utf8.RuneCountInString(ext) > 10 {
			ext = ""
		}
		name = string(r[:120-utf8.RuneCountInString(ext)]) + ext
	}
	if name == "" || name == "." || name == ".." {
		return "file"
	}
	return name
}

// ContentDisposition is the header value that makes a browser download a file under
// its name (RFC 6266 with the RFC 8187 UTF-8 form for Chinese names).
func ContentDisposition(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, url.PathEscape(name))
}

func init() {
	apperr.Register("files.empty", "文件为空", "The file is empty")
	apperr.Register("files.unreadable", "文件无法读取", "The file could not be read")
	apperr.Register("files.type_not_allowed", "文件类型不允许（检测到 {detected}，允许：{allowed}）", "File type not allowed (detected {detected}; allowed: {allowed})")
	apperr.Register("files.too_large", "文件超过大小限制（{limit} 字节）", "The file exceeds the size limit ({limit} bytes)")
	apperr.Register("files.not_attachable", "文件不存在或已被使用", "The file does not exist or is already in use")
}
