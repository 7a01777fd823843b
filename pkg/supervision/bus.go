package supervision

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"sunshine/pkg/identity"
)

// Event is what the live dashboards receive.
type Event struct {
	Type       string    `json:"type"`
	TenantID   uuid.UUID `json:"-"`
	TenantCode string    `json:"tenant_code"`
	Card       CardRow   `json:"card"`
	// Revoked is set on EventSessionRevoked (never sent to a dashboard).
	Revoked *identity.Revocation `json:"revoked,omitempty"`
}

// EventSessionRevoked travels on the bus when sessions are revoked (logout, a user
// disabled, a password changed or reset): every replica drops its cached sessions and
// closes the live streams of those sessions.
const EventSessionRevoked = "session.revoked"

// busChannel is the Redis pub/sub channel every replica publishes to and listens on:
// a card created by any worker reaches every API replica's streams.
const busChannel = "sunshine:supervision:events"

// Bus fans supervision events out to the live streams of this process, through Redis
// so that every replica hears every worker.
type Bus struct {
	rdb redis.UniversalClient
	log *slog.Logger

	mu    sync.Mutex
	subs  map[chan Event]struct{}
	hooks []func(Event)
	once  sync.Once
	stop  context.CancelFunc
}

// NewBus builds a bus over a Redis client.
func NewBus(rdb redis.UniversalClient, log *slog.Logger) *Bus {
	if log == nil {
		log = slog.Default()
	}
	return &Bus{rdb: rdb, log: log, subs: map[chan Event]struct{}{}}
}

// Publish sends an event to every replica (best effort: the dashboards also poll the
// overview, and nothing is lost from PostgreSQL).
func (b *Bus) Publish(ctx context.Context, e Event) {
	payload, err := json.Marshal(struct {
		Event
		TenantID uuid.UUID `json:"tenant_id"`
	}{e, e.TenantID})
	if err != nil {
		return
	}
	if err := b.rdb.Publish(ctx, busChannel, payload).Err(); err != nil {
		b.log.Warn("supervision bus: publish failed", "error", err)
	}
}

// PublishRevocation tells every replica that sessions were revoked.
func (b *Bus) PublishRevocation(ctx context.Context, r identity.Revocation) {
	b.Publish(ctx, Event{Type: EventSessionRevoked, Revoked: &r})
}

// OnEvent registers f to hear every event this process receives from the bus (in
// the listener's goroutine: f must be quick), and starts listening.
func (b *Bus) OnEvent(f func(Event)) {
	b.mu.Lock()
	b.hooks = append(b.hooks, f)
	b.mu.Unlock()
	b.once.Do(b.listen)
}

// Subscribe returns a channel of events and a function to stop. The first subscriber
// starts the process's one Redis subscription.
func (b *Bus) Subscribe() (<-chan Event, func()) {
	b.once.Do(b.listen)
	ch := make(chan Event, 64)
	b.mu.Lock()
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		if _, ok := b.subs[ch]; ok {
			delete(b.subs, ch)
			close(ch)
		}
		b.mu.Unlock()
	}
}

// Ready blocks until the Redis subscription is confirmed (tests).
func (b *Bus) Ready(ctx context.Context) error {
	b.once.Do(b.listen)
	return nil
}

func (b *Bus) listen() {
	ctx, cancel := context.WithCancel(context.Background())
	b.stop = cancel
	ps := b.rdb.Subscribe(ctx, busChannel)
	// Wait for the subscription so that events published right after a first
	// Subscribe() are not missed.
	if _, err := ps.Receive(ctx); err != nil {
		b.log.Warn("supervision bus: subscribe failed", "error", err)
	}
	go func() {
		defer ps.Close()
		for msg := range ps.Channel() {
			var raw struct {
				Event
				TenantID uuid.UUID `json:"tenant_id"`
			}
			if err := json.Unmarshal([]byte(msg.Payload), &raw); err != nil {
				continue
			}
			e := raw.Event
			e.TenantID = raw.TenantID
			b.mu.Lock()
			for _, f := range b.hooks {
				f(e)
			}
			for ch := range b.subs {
				select {
				case ch <- e:
				default: // a slow client misses an event; its next poll catches up
				}
			}
			b.mu.Unlock()
		}
	}()
}

// Close stops listening.
func (b *Bus) Close() {
	if b.stop != nil {
		b.stop()
	}
}
