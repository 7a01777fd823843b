// Package metrics holds the process's Prometheus registry and the collectors shared
// by the roles: HTTP latency by route and status, database pool, Asynq queue sizes
// and task outcomes.
package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Registry is a process's set of collectors.
type Registry struct {
	*prometheus.Registry
	HTTPDuration *prometheus.HistogramVec
	TaskDuration *prometheus.HistogramVec
	TaskTotal    *prometheus.CounterVec
}

// New returns a registry with the Go runtime, process and Sunshine's own collectors.
func New() *Registry {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := &Registry{
		Registry: r,
		HTTPDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sunshine_http_request_duration_seconds",
			Help:    "HTTP request latency by method, route template and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route", "status"}),
		TaskDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sunshine_task_duration_seconds",
			Help:    "Asynq task handling time by task type.",
			Buckets: prometheus.DefBuckets,
		}, []string{"type"}),
		TaskTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sunshine_tasks_total",
			Help: "Asynq tasks handled by type and outcome (ok, error, skip).",
		}, []string{"type", "outcome"}),
	}
	r.MustRegister(m.HTTPDuration, m.TaskDuration, m.TaskTotal)
	return m
}

// PoolStats is what the database pool collector reads.
type PoolStats func() (open, inUse, idle int, waitCount int64, waitDuration time.Duration)

// RegisterPool exports database pool gauges.
func (m *Registry) RegisterPool(stats PoolStats) {
	m.MustRegister(&poolCollector{stats: stats})
}

var (
	poolOpen  = prometheus.NewDesc("sunshine_db_pool_open_connections", "Open connections in the pool.", nil, nil)
	poolInUse = prometheus.NewDesc("sunshine_db_pool_in_use_connections", "Connections in use.", nil, nil)
	poolIdle  = prometheus.NewDesc("sunshine_db_pool_idle_connections", "Idle connections.", nil, nil)
	poolWait  = prometheus.NewDesc("sunshine_db_pool_wait_total", "Waits for a free connection.", nil, nil)
	poolWaitS = prometheus.NewDesc("sunshine_db_pool_wait_seconds_total", "Time spent waiting for a connection.", nil, nil)
)

type poolCollector struct{ stats PoolStats }

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- poolOpen
	ch <- poolInUse
	ch <- poolIdle
	ch <- poolWait
	ch <- poolWaitS
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	open, inUse, idle, waits, waited := c.stats()
	ch <- prometheus.MustNewConstMetric(poolOpen, prometheus.GaugeValue, float64(open))
	ch <- prometheus.MustNewConstMetric(poolInUse, prometheus.GaugeValue, float64(inUse))
	ch <- prometheus.MustNewConstMetric(poolIdle, prometheus.GaugeValue, float64(idle))
	ch <- prometheus.MustNewConstMetric(poolWait, prometheus.CounterValue, float64(waits))
	ch <- prometheus.MustNewConstMetric(poolWaitS, prometheus.CounterValue, waited.Seconds())
}

// QueueSizes reports per-queue task counts by state.
type QueueSizes func() (map[string]map[string]int, error)

var queueSize = prometheus.NewDesc("sunshine_queue_tasks", "Asynq tasks per queue and state.", []string{"queue", "state"}, nil)

type queueCollector struct{ sizes QueueSizes }

// RegisterQueues exports Asynq queue sizes, read at scrape time.
func (m *Registry) RegisterQueues(sizes QueueSizes) { m.MustRegister(&queueCollector{sizes: sizes}) }

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- queueSize }

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	sizes, err := c.sizes()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(queueSize, err)
		return
	}
	for q, states := range sizes {
		for state, n := range states {
			ch <- prometheus.MustNewConstMetric(queueSize, prometheus.GaugeValue, float64(n), q, state)
		}
	}
}
