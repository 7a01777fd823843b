package authz

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Watcher is a Casbin watcher (persist.Watcher) over PostgreSQL LISTEN/NOTIFY: every
// replica listens on Channel and reloads its policies when any replica commits a
// change. After a lost connection it reconnects and reloads, since notifications
// sent meanwhile are gone.
type Watcher struct {
	url string
	log *slog.Logger

	mu       sync.Mutex
	callback func(string)
	cancel   context.CancelFunc
	done     chan struct{}
	ready    chan struct{}
}

// NewWatcher starts listening with its own connection to url.
func NewWatcher(url string, log *slog.Logger) *Watcher {
	if log == nil {
		log = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &Watcher{url: url, log: log, cancel: cancel, done: make(chan struct{}), ready: make(chan struct{})}
	go w.loop(ctx)
	return w
}

// Ready is closed once the first LISTEN is in place.
func (w *Watcher) Ready() <-chan struct{} { return w.ready }

// SetUpdateCallback sets what runs on a change (typically a policy reload).
func (w *Watcher) SetUpdateCallback(f func(string)) error {
	w.mu.Lock()
	w.callback = f
	w.mu.Unlock()
	return nil
}

// Update announces a change made outside a business transaction.
func (w *Watcher) Update() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, w.url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "SELECT pg_notify($1, '')", Channel)
	return err
}

// Close stops listening.
func (w *Watcher) Close() {
	w.cancel()
	<-w.done
}

func (w *Watcher) fire(msg string) {
	w.mu.Lock()
	f := w.callback
	w.mu.Unlock()
	if f != nil {
		f(msg)
	}
}

func (w *Watcher) loop(ctx context.Context) {
	defer close(w.done)
	first := true
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		conn, err := pgx.Connect(ctx, w.url)
		if err == nil {
			_, err = conn.Exec(ctx, "LISTEN "+Channel)
		}
		if err != nil {
			if ctx.Err() == nil {
				w.log.Warn("authz watcher: cannot listen; retrying", "error", err, "in", backoff)
			}
			if conn != nil {
				_ = conn.Close(context.Background())
			}
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 10*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
		if first {
			close(w.ready)
			first = false
		} else {
			w.fire("reconnected") // changes made while disconnected were not announced
		}
		for {
			n, err := conn.WaitForNotification(ctx)
			if err != nil {
				if ctx.Err() == nil {
					w.log.Warn("authz watcher: connection lost", "error", err)
				}
				break
			}
			w.fire(n.Payload)
		}
		_ = conn.Close(context.Background())
	}
}
