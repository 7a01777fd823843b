import { http } from '../http'
import type { QueueInfo, QueueTask, TaskPage, TaskQuery, TaskState } from './types'

export * from './types'

/**
 * A task ID or queue name as a path segment. Asynq IDs contain colons ("sup:…:case_overdue::…") and
 * the server matches path parameters without percent-decoding them, so the characters RFC 3986
 * allows in a segment stay as they are; only the rest is encoded.
 */
export function pathSegment(value: string): string {
  return encodeURIComponent(value).replace(/%(3A|40|21|24|26|27|28|29|2A|2B|2C|3B|3D)/gi, (m) => decodeURIComponent(m))
}

/** Every queue with its sizes (platform administrators, ops:queues). */
export async function listQueues(): Promise<QueueInfo[]> {
  const res = await http.get<{ items?: QueueInfo[] }>('/api/v1/ops/queues')
  return Array.isArray(res?.items) ? res.items : []
}

/**
 * One page of a queue's tasks in a state (archived by default). The API's `total` counts only the
 * page, so callers take the state's size from the queue list for pagination.
 */
export async function listTasks(queue: string, q: TaskQuery = {}): Promise<TaskPage> {
  const res = await http.get<{ items?: QueueTask[]; page?: number; page_size?: number }>(
    `/api/v1/ops/queues/${pathSegment(queue)}/tasks`,
    { query: { state: q.state, page: q.page, page_size: q.page_size } },
  )
  return {
    items: Array.isArray(res?.items) ? res.items : [],
    page: res?.page ?? q.page ?? 1,
    page_size: res?.page_size ?? q.page_size ?? 20,
  }
}

/** Runs a retrying or archived task again now. */
export function runTask(queue: string, id: string): Promise<void> {
  return http.post<void>(`/api/v1/ops/queues/${pathSegment(queue)}/tasks/${pathSegment(id)}/run`)
}

/** Discards a task. */
export function deleteTask(queue: string, id: string): Promise<void> {
  return http.delete<void>(`/api/v1/ops/queues/${pathSegment(queue)}/tasks/${pathSegment(id)}`)
}

/** The size of one state of a queue (pagination total). */
export function stateSize(q: QueueInfo | undefined, state: TaskState): number {
  if (!q) return 0
  return q[state] ?? 0
}

/** Which actions a task in a state allows: run again (retrying, archived) and delete (not while running). */
export function taskActions(state: string): { run: boolean; remove: boolean } {
  return { run: state === 'archived' || state === 'retry', remove: state !== 'active' }
}
