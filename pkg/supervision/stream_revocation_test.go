package supervision_test

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"sunshine/pkg/apitest"
)

// liveStream is an open /api/v1/supervision/stream.
type liveStream struct {
	lines chan string
	ended chan struct{}
	// last is the last event name received before the stream ended.
	last string
}

// serve puts the test's server on a real listener (streams need one).
func serve(t *testing.T, env *apitest.Env) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = env.Server.App().Listener(ln) }()
	t.Cleanup(func() { _ = env.Server.App().ShutdownWithTimeout(time.Second) })
	return ln.Addr().String()
}

func openStream(t *testing.T, addr string, c *apitest.Client) *liveStream {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/supervision/stream", nil)
	req.Header.Set("Authorization", "Bearer "+c.Token())
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("stream: %v %v", err, resp)
	}
	s := &liveStream{lines: make(chan string, 100), ended: make(chan struct{})}
	connected := make(chan struct{})
	go func() {
		defer close(s.ended)
		sc := bufio.NewScanner(resp.Body)
		once := false
		for sc.Scan() {
			l := sc.Text()
			if strings.HasPrefix(l, "event: ") {
				s.last = strings.TrimPrefix(l, "event: ")
			}
			if !once && strings.Contains(l, "connected") {
				once = true
				close(connected)
			}
		}
	}()
	select {
	case <-connected:
	case <-time.After(5 * time.Second):
		t.Fatal("the stream did not connect")
	}
	return s
}

// endsWithin waits for the stream to end, and checks it said why.
func (s *liveStream) endsWithin(t *testing.T, d time.Duration, what string) {
	t.Helper()
	start := time.Now()
	select {
	case <-s.ended:
		if s.last != "session.revoked" {
			t.Fatalf("%s: the stream ended without saying why (last event %q)", what, s.last)
		}
		t.Logf("%s: stream ended %v later", what, time.Since(start).Round(time.Millisecond))
	case <-time.After(d):
		t.Fatalf("%s: the stream is still open %v later", what, d)
	}
}

func (s *liveStream) stillOpen(t *testing.T, what string) {
	t.Helper()
	select {
	case <-s.ended:
		t.Fatalf("%s: the stream ended (last event %q)", what, s.last)
	default:
	}
}

func userID(t *testing.T, c *apitest.Client) string {
	t.Helper()
	var me struct {
		User struct {
			ID          string `json:"id"`
			DisplayName string `json:"display_name"`
		} `json:"user"`
	}
	c.Do("GET", "/api/v1/me", nil).JSON(t, &me)
	if me.User.ID == "" {
		t.Fatal("no user id from /me")
	}
	return me.User.ID
}

// TestStreamEndsWhenItsSessionIsRevoked (issue 12, item 8): an open live stream kept
// delivering events after logout. Now a revocation — logout, the user disabled, a
// password reset — travels on the broker and ends the streams of exactly the revoked
// sessions within a few seconds; other sessions' streams stay open.
func TestStreamEndsWhenItsSessionIsRevoked(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apitest.Options{Redis: true})
	addr := serve(t, w.env)

	// Logout ends that session's stream, not the same user's other session's.
	first := w.env.Login("410500", "supervisor")
	second := w.env.Login("410500", "supervisor")
	s1 := openStream(t, addr, first)
	s2 := openStream(t, addr, second)
	if r := first.Do("POST", "/api/v1/auth/logout", nil); r.Status != 204 {
		t.Fatalf("logout: %d %s", r.Status, r.Body)
	}
	s1.endsWithin(t, 3*time.Second, "logout")
	time.Sleep(300 * time.Millisecond)
	s2.stillOpen(t, "another session of the same user after logout")
	if r := first.Do("GET", "/api/v1/me", nil); r.Status != 401 {
		t.Fatalf("the logged-out token still works: %d", r.Status)
	}

	// Disabling the user ends every stream of the user.
	countySup := w.env.Login("410581", "supervisor")
	s3 := openStream(t, addr, countySup)
	id := userID(t, countySup)
	admin := w.env.Login("410581", "admin")
	if r := admin.Do("PUT", "/api/v1/users/"+id, map[string]any{"display_name": "县监察员", "status": "disabled"}); r.Status != 200 {
		t.Fatalf("disable: %d %s", r.Status, r.Body)
	}
	s3.endsWithin(t, 3*time.Second, "user disabled")

	// A password reset ends the user's streams too.
	s2.stillOpen(t, "before the reset")
	cityAdmin := w.env.Login("410500", "admin")
	if r := cityAdmin.Do("POST", "/api/v1/users/"+userID(t, second)+"/reset-password", nil); r.Status != 200 {
		t.Fatalf("reset: %d %s", r.Status, r.Body)
	}
	s2.endsWithin(t, 3*time.Second, "password reset")
}

// TestStreamRechecksTheSessionAtEveryPing: a session that ends without a revocation
// on the broker (revoked straight in the database, or expired) ends its stream at the
// next ping, because every ping re-checks the session in the database.
func TestStreamRechecksTheSessionAtEveryPing(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apitest.Options{Redis: true, Env: map[string]string{"SUNSHINE_HTTP_STREAM_PING": "300ms"}})
	addr := serve(t, w.env)
	sup := w.env.Login("410500", "supervisor")
	s := openStream(t, addr, sup)
	other := openStream(t, addr, w.env.Login("410581", "supervisor"))
	time.Sleep(700 * time.Millisecond) // a few pings with a valid session
	s.stillOpen(t, "a valid session across pings")
	conn := connect(t, w.env.DB.OwnerURL)
	if _, err := conn.Exec(context.Background(), `UPDATE sessions SET revoked_at = now()
		WHERE user_id = (SELECT id FROM users WHERE username = 'supervisor' AND tenant_id = (SELECT id FROM tenants WHERE code = '410500'))`); err != nil {
		t.Fatal(err)
	}
	s.endsWithin(t, 2*time.Second, "revoked in the database")
	other.stillOpen(t, "another user's stream")
	// A suspended tenant ends its users' streams at the next ping too.
	if r := w.env.Login("410500", "admin").Do("POST", "/api/v1/tenants/410581/suspend", map[string]any{"reason": "测试暂停"}); r.Status != 200 {
		t.Fatalf("suspend: %d %s", r.Status, r.Body)
	}
	other.endsWithin(t, 2*time.Second, "tenant suspended")
}
