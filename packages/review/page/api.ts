// The server's JSON API, relative to the page's URL (which carries the token).
import type { AgreementInfo, CorrectedInfo, EditRequest, SaveFormat, SaveResult, SessionInfo, VideoDetail } from '../src/protocol';

async function request<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(path, init);
  const body = (await response.json()) as T | { error?: string };
  if (!response.ok) throw new Error((body as { error?: string }).error ?? `${response.status} ${response.statusText}`);
  return body as T;
}

const post = <T>(path: string, body: unknown): Promise<T> => request<T>(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const video = (id: string): string => `api/videos/${encodeURIComponent(id)}`;

export const api = {
  session: () => request<SessionInfo>('api/session'),
  video: (id: string) => request<VideoDetail>(video(id)),
  mediaUrl: (id: string) => `${video(id)}/media`,
  edit: (id: string, op: EditRequest) => post<CorrectedInfo>(`${video(id)}/edits`, op),
  save: (id: string, formats: SaveFormat[]) => post<SaveResult>(`${video(id)}/save`, { formats }),
  agreement: (id: string, a: string, b: string) => request<AgreementInfo>(`${video(id)}/agreement?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`),
};
