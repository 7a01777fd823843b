import { http } from '../http'
import type { QueueInfo, QueueTask, TaskPage, TaskQuery, TaskState } from './types'

export * from './types'

/**
 * A queue name as a path segment. The server matches the queue parameter without percent-decoding
 * it, so the characters RFC 3986 allows in a segment stay as they are; only the rest is encoded.
 * (Queue names are plain words; task IDs go through taskSegment.)
 */
export function pathSegment(value: string): string {
  return encodeURIComponent(value).replace(/%(3A|40|21|24|26|27|28|29|2A|2B|2C|3B|3D)/gi, (m) => decodeURIComponent(m))
}

/**
 * A task ID as a path segment: fully percent-encoded (encodeURIComponent). Asynq IDs contain
 * colons ("sup:…:case_overdue::…") and may contain any character; the server percent-decodes the
 * ID parameter, so "/", "%", "?" or "#" in an ID cannot break the path.
 */
export function taskSegment(id: string): string {
  return encodeURIComponent(id)
}

/** Every queue with its sizes (platform administrators, ops:queues). */
export async function listQueues(): Promise<QueueInfo[]> {
  const res = await http.get<{ items?: QueueInfo[] }>('/api/v1/ops/queues')
  return Array.isArray(res?.items) ? res.items : []
}

/**
 * One page of a queue's tasks in a state (archived by default), with `total`: the API's count of
 * the queue's tasks in that state (all pages), which the pagination uses.
 */
export async function listTasks(queue: string, q: TaskQuery = {}): Promise<TaskPage> {
  const res = await http.get<{ items?: QueueTask[]; total?: number; page?: number; page_size?: number }>(
    `/api/v1/ops/queues/${pathSegment(queue)}/tasks`,
    { query: { state: q.state, page: q.page, page_size: q.page_size } },
  )
  const items = Array.isArray(res?.items) ? res.items : []
  const page = res?.page ?? q.page ?? 1
  const pageSize = res?.page_size ?? q.page_size ?? 20
  return {
    items,
    // An answer without a total at least covers the pages up to this one.
    total: typeof res?.total === 'number' ? res.total : (page - 1) * pageSize + items.length,
    page,
    page_size: pageSize,
  }
}

/** Runs a retrying or archived task again now. */
export function runTask(queue: string, id: string): Promise<void> {
  return http.post<void>(`/api/v1/ops/queues/${pathSegment(queue)}/tasks/${taskSegment(id)}/run`)
}

/** Discards a task. */
export function deleteTask(queue: string, id: string): Promise<void> {
  return http.delete<void>(`/api/v1/ops/queues/${pathSegment(queue)}/tasks/${taskSegment(id)}`)
}

/** The size of one state of a queue, as the queue list last counted it (the state picker's badges). */
export function stateSize(q: QueueInfo | undefined, state: TaskState): number {
  if (!q) return 0
  return q[state] ?? 0
}

/** Which actions a task in a state allows: run again (retrying, archived) and delete (not while running). */
export function taskActions(state: string): { run: boolean; remove: boolean } {
  return { run: state === 'archived' || state === 'retry', remove: state !== 'active' }
}
