package httpapi

import (
	"encoding/json"
	"errors"
	"net/url"
	"sort"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hibiken/asynq"

	"sunshine/pkg/apperr"
	"sunshine/pkg/authz"
)

// registerOps: the background-task console for platform administrators — queue
// sizes, and the failed tasks (retrying and archived) with their errors, which an
// administrator can run again or discard. It is the equivalent of asynqmon, inside
// the console and its permissions.
func (s *Server) registerOps() {
	s.route("GET", "/api/v1/ops/queues", authz.OpsQueues, s.opsQueues)
	s.route("GET", "/api/v1/ops/queues/:queue/tasks", authz.OpsQueues, s.opsTasks)
	s.route("POST", "/api/v1/ops/queues/:queue/tasks/:id/run", authz.OpsQueues, s.opsRunTask)
	s.route("DELETE", "/api/v1/ops/queues/:queue/tasks/:id", authz.OpsQueues, s.opsDeleteTask)
}

type queueJSON struct {
	Queue          string  `json:"queue"`
	Size           int     `json:"size"`
	Pending        int     `json:"pending"`
	Active         int     `json:"active"`
	Scheduled      int     `json:"scheduled"`
	Retry          int     `json:"retry"`
	Archived       int     `json:"archived"`
	Completed      int     `json:"completed"`
	ProcessedToday int     `json:"processed_today"`
	FailedToday    int     `json:"failed_today"`
	LatencySeconds float64 `json:"latency_seconds"`
	Paused         bool    `json:"paused"`
}

func (s *Server) inspector() (*asynq.Inspector, error) {
	if s.Queue == nil {
		return nil, apperr.New(apperr.KindUnavailable, "unavailable", apperr.Params{"dependency": "redis"})
	}
	return s.Queue.Inspector(), nil
}

func (s *Server) opsQueues(c *fiber.Ctx) error {
	insp, err := s.inspector()
	if err != nil {
		return err
	}
	names, err := insp.Queues()
	if err != nil {
		return apperr.Wrap(err, apperr.KindUnavailable, "unavailable", apperr.Params{"dependency": "redis"})
	}
	sort.Strings(names)
	out := make([]queueJSON, 0, len(names))
	for _, q := range names {
		info, err := insp.GetQueueInfo(q)
		if err != nil {
			continue
		}
		out = append(out, queueJSON{Queue: q, Size: info.Size, Pending: info.Pending, Active: info.Active, Scheduled: info.Scheduled,
			Retry: info.Retry, Archived: info.Archived, Completed: info.Completed, ProcessedToday: info.Processed,
			FailedToday: info.Failed, LatencySeconds: info.Latency.Seconds(), Paused: info.Paused})
	}
	return c.JSON(Items(out))
}

type taskJSON struct {
	ID            string          `json:"id"`
	Type          string          `json:"type"`
	State         string          `json:"state"`
	Payload       json.RawMessage `json:"payload"`
	MaxRetry      int             `json:"max_retry"`
	Retried       int             `json:"retried"`
	LastError     string          `json:"last_error"`
	LastFailedAt  *time.Time      `json:"last_failed_at"`
	NextProcessAt *time.Time      `json:"next_process_at"`
}

func (s *Server) opsTasks(c *fiber.Ctx) error {
	insp, err := s.inspector()
	if err != nil {
		return err
	}
	q := c.Params("queue")
	page, err := QueryPage(c)
	if err != nil {
		return err
	}
	opts := []asynq.ListOption{asynq.PageSize(page.PageSize), asynq.Page(page.Page)}
	var tasks []*asynq.TaskInfo
	switch state := c.Query("state", "archived"); state {
	case "archived":
		tasks, err = insp.ListArchivedTasks(q, opts...)
	case "retry":
		tasks, err = insp.ListRetryTasks(q, opts...)
	case "scheduled":
		tasks, err = insp.ListScheduledTasks(q, opts...)
	case "pending":
		tasks, err = insp.ListPendingTasks(q, opts...)
	case "active":
		tasks, err = insp.ListActiveTasks(q, opts...)
	default:
		return apperr.BadRequest("bad_query", apperr.Params{"param": "state", "reason": "archived, retry, scheduled, pending or active"})
	}
	if errors.Is(err, asynq.ErrQueueNotFound) {
		return apperr.NotFound("not_found")
	}
	if err != nil {
		return apperr.Wrap(err, apperr.KindUnavailable, "unavailable", apperr.Params{"dependency": "redis"})
	}
	// The page's total is the queue's count in that state, not the page's length.
	total := len(tasks) + (page.Page-1)*page.PageSize
	if info, err := insp.GetQueueInfo(q); err == nil {
		total = map[string]int{"archived": info.Archived, "retry": info.Retry, "scheduled": info.Scheduled,
			"pending": info.Pending, "active": info.Active}[c.Query("state", "archived")]
	}
	out := make([]taskJSON, 0, len(tasks))
	for _, t := range tasks {
		tj := taskJSON{ID: t.ID, Type: t.Type, State: t.State.String(), MaxRetry: t.MaxRetry, Retried: t.Retried, LastError: t.LastErr, Payload: json.RawMessage("null")}
		if json.Valid(t.Payload) && len(t.Payload) > 0 {
			tj.Payload = t.Payload
		}
		if !t.LastFailedAt.IsZero() {
			at := t.LastFailedAt
			tj.LastFailedAt = &at
		}
		if !t.NextProcessAt.IsZero() {
			at := t.NextProcessAt
			tj.NextProcessAt = &at
		}
		out = append(out, tj)
	}
	return c.JSON(List[taskJSON]{Items: out, Total: total, Page: page.Page, PageSize: page.PageSize})
}

func (s *Server) opsRunTask(c *fiber.Ctx) error {
	insp, err := s.inspector()
	if err != nil {
		return err
	}
	id, err := taskID(c)
	if err != nil {
		return err
	}
	if err := insp.RunTask(c.Params("queue"), id); err != nil {
		if errors.Is(err, asynq.ErrTaskNotFound) || errors.Is(err, asynq.ErrQueueNotFound) {
			return apperr.NotFound("not_found")
		}
		return apperr.Wrap(err, apperr.KindConflict, "conflict")
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) opsDeleteTask(c *fiber.Ctx) error {
	insp, err := s.inspector()
	if err != nil {
		return err
	}
	id, err := taskID(c)
	if err != nil {
		return err
	}
	if err := insp.DeleteTask(c.Params("queue"), id); err != nil {
		if errors.Is(err, asynq.ErrTaskNotFound) || errors.Is(err, asynq.ErrQueueNotFound) {
			return apperr.NotFound("not_found")
		}
		return apperr.Wrap(err, apperr.KindConflict, "conflict")
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// taskID is the task ID from the path, percent-decoded: IDs carry colons (and may
// carry any character), so clients escape them as one path segment.
func taskID(c *fiber.Ctx) (string, error) {
	id, err := url.PathUnescape(c.Params("id"))
	if err != nil || id == "" {
		return "", apperr.BadRequest("bad_path_param", apperr.Params{"param": "id"})
	}
	return id, nil
}
