/** One background task queue (Asynq) with its sizes by state and today's counts. */
export interface QueueInfo {
  queue: string
  size: number
  pending: number
  active: number
  scheduled: number
  retry: number
  archived: number
  completed: number
  processed_today: number
  failed_today: number
  latency_seconds: number
  paused: boolean
}

/** The task states the console lists; archived = failed for good, retry = failing and retrying. */
export const TASK_STATES = ['archived', 'retry', 'scheduled', 'pending', 'active'] as const
export type TaskState = (typeof TASK_STATES)[number]

export interface QueueTask {
  id: string
  /** "supervision:check", "notify:email" … */
  type: string
  state: string
  /** The task's JSON payload (null when it is not JSON). */
  payload: unknown
  max_retry: number
  retried: number
  last_error: string
  last_failed_at: string | null
  next_process_at: string | null
}

export interface TaskQuery {
  state?: TaskState
  page?: number
  page_size?: number
}

export interface TaskPage {
  items: QueueTask[]
  /** The queue's tasks in the state, on every page. */
  total: number
  page: number
  page_size: number
}
