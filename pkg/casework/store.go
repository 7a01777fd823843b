package casework

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/catalogue"
	"sunshine/pkg/platform/db"
	"sunshine/pkg/platform/db/pipeline"
	"sunshine/pkg/servicecentre"
)

// store is casework's access to PostgreSQL: its own tables (cases and their steps,
// pauses, fees and timeline) and the few facts it reads of others' (a power's version
// in force, a window and its staff, a project). It is the package's one place of SQL,
// GORM and pgx: the service above it decides, the store reads and writes. Three
// styles live here, each where it pays: pipelines through group committers for the
// hot paths (intake, the case page), GORM transactions for the interactive mutations
// (which lock the case and read before they write), and GORM queries for lists.
type store struct {
	db *db.DB
	// intakes commits concurrent intakes together (pipeline.Committer): at a busy
	// service centre most of an intake's database cost is its transaction's, not its
	// rows'.
	intakes *pipeline.Committer
	// intakeReads groups the checks before concurrent intakes into one round trip.
	intakeReads *pipeline.Committer
	// numbers draws tracking numbers, grouped, apart from every other statement: a
	// sequence is not transactional, so a number drawn in a group that another
	// caller's statement failed (and that is then run again change by change) would
	// be lost. Its groups hold nothing that can fail on its own.
	numbers *pipeline.Committer
	// pageReads groups concurrent case page reads into one round trip.
	pageReads *pipeline.Committer
	inserts   *pipeline.Inserter

	cacheMu  sync.Mutex
	versions map[uuid.UUID]*catalogue.Version
	depts    map[uuid.UUID]deptCodes
}

type deptCodes struct {
	codes map[string]uuid.UUID
	at    time.Time
}

func newStore(d *db.DB, cfg Config) *store {
	pc := pipeline.Config{Workers: cfg.CommitWorkers, MaxGroup: cfg.CommitGroup, Hooks: cfg.hooks}
	return &store{db: d,
		intakes: pipeline.New(d, pc), intakeReads: pipeline.New(d, pc), numbers: pipeline.New(d, pc), pageReads: pipeline.New(d, pc),
		inserts: pipeline.NewInserter(d), versions: map[uuid.UUID]*catalogue.Version{}, depts: map[uuid.UUID]deptCodes{}}
}

// close stops the committers once what was handed over is committed.
func (st *store) close() {
	st.intakes.Close()
	st.intakeReads.Close()
	st.numbers.Close()
	st.pageReads.Close()
}

// version returns a filed version, cached: a filed version's content never changes
// (cases run only filed versions).
func (st *store) version(ctx context.Context, scope db.Scope, id uuid.UUID) (*catalogue.Version, error) {
	if v := st.cachedVersion(id); v != nil {
		return v, nil
	}
	var ver *catalogue.Version
	err := st.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		var err error
		ver, err = st.loadVersion(tx, id)
		return err
	})
	return ver, err
}

func (st *store) cachedVersion(id uuid.UUID) *catalogue.Version {
	st.cacheMu.Lock()
	defer st.cacheMu.Unlock()
	return st.versions[id]
}

// loadVersion is version within a transaction already open.
func (st *store) loadVersion(tx *gorm.DB, id uuid.UUID) (*catalogue.Version, error) {
	if v := st.cachedVersion(id); v != nil {
		return v, nil
	}
	var ver catalogue.Version
	if err := tx.Where("id = ?", id).First(&ver).Error; err != nil {
		return nil, db.Classify(err)
	}
	st.cacheMu.Lock()
	if len(st.versions) > 2000 {
		st.versions = map[uuid.UUID]*catalogue.Version{}
	}
	st.versions[id] = &ver
	st.cacheMu.Unlock()
	return &ver, nil
}

// departmentCodes maps a tenant's department codes to IDs, read within scope (cached
// for 30 s: departments are added rarely and never renumbered).
func (st *store) departmentCodes(ctx context.Context, scope db.Scope, tenantID uuid.UUID) (map[string]uuid.UUID, error) {
	st.cacheMu.Lock()
	e, ok := st.depts[tenantID]
	st.cacheMu.Unlock()
	if ok && time.Since(e.at) < 30*time.Second {
		return e.codes, nil
	}
	var rows []struct {
		ID   uuid.UUID
		Code string
	}
	err := st.db.Tx(ctx, scope, func(tx *gorm.DB) error {
		return tx.Table("departments").Select("id, code").Where("tenant_id = ?", tenantID).Scan(&rows).Error
	})
	if err != nil {
		return nil, err
	}
	codes := make(map[string]uuid.UUID, len(rows))
	for _, r := range rows {
		codes[r.Code] = r.ID
	}
	st.cacheMu.Lock()
	st.depts[tenantID] = deptCodes{codes: codes, at: time.Now()}
	st.cacheMu.Unlock()
	return codes, nil
}

// txn is a mutation's transaction as the service's checks see it: what they may ask
// within it (the case is locked meanwhile).
type txn struct{ tx *gorm.DB }

// windowFacts reads a window and whether userID is authorised at it.
func (t txn) windowFacts(windowID, userID uuid.UUID) (servicecentre.WindowFacts, error) {
	return servicecentre.LoadWindowFacts(t.tx, windowID, userID)
}

// servesDepartment reports whether userID is authorised at an active window that takes
// departmentID's items.
func (t txn) servesDepartment(userID, departmentID uuid.UUID) (bool, error) {
	return servicecentre.ServesDepartment(t.tx, userID, departmentID)
}
