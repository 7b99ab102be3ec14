import type { TaskInfo } from "@/lib/protocol/tasks";
import { TestBoardClient } from "./board-client";
import { connectOk, tokenFor, type TestSocket } from "./clients";
import { TEST_SECRET } from "./instance";
import { spawnTs, type ManagedProcess } from "./process";
import { withTestDatabase } from "./test-database";

/** A CSV of `rows` points, 1 ms apart; the rows listed in `bad` have a value that is not a number. */
export function timeSeriesCsv(rows: number, bad: number[] = []): string {
  const lines = ["time,value"];
  for (let i = 0; i < rows; i++)
    lines.push(
      bad.includes(i) ? `${1_700_000_000_000 + i},not-a-number` : `${1_700_000_000_000 + i},${i % 97}`,
    );
  return lines.join("\n") + "\n";
}

export interface ChartBoard {
  socket: TestSocket;
  client: TestBoardClient;
  boardId: string;
}

/** A new board of alice's, made through `url`, holding one empty chart with the id `chart`; joined. */
export async function boardWithChart(url: string, title = "Imports"): Promise<ChartBoard> {
  const socket = await connectOk(url, { token: await tokenFor("alice") });
  const created = await socket.emitWithAck("board:create", { title });
  if (!created.ok) throw new Error(created.error.message);
  const client = new TestBoardClient(socket, created.board.id);
  await client.join();
  await client.op({
    type: "widget.add",
    widget: { id: "chart", type: "chart", title: "Load", layout: { x: 0, y: 0, w: 6, h: 4 } },
  });
  return { socket, client, boardId: created.board.id };
}

/** The chart's points as `client` holds them. */
export function chartPoints(client: TestBoardClient): [number, number][] {
  const chart = client.doc.widgets.chart;
  return chart?.type === "chart" ? chart.data.points : [];
}

/** Uploads `body` as alice for import into the board's chart; the task is queued (202) or this throws. */
export async function uploadCsv(url: string, boardId: string, body: string, query = ""): Promise<TaskInfo> {
  const res = await fetch(
    `${url}/api/tasks/csv-import?boardId=${boardId}&widgetId=chart&fileName=load.csv${query}`,
    {
      method: "POST",
      headers: { authorization: `Bearer ${await tokenFor("alice")}`, "content-type": "text/csv" },
      body,
    },
  );
  const json = (await res.json()) as { ok: boolean; task: TaskInfo };
  if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${JSON.stringify(json)}`);
  return json.task;
}

/**
 * A worker process (`server/worker.ts` under tsx) on `redisUrl`, with the test instances' key prefix and their
 * database (`test-database.ts`); ready.
 */
export async function startTaskWorker(
  redisUrl: string,
  env: Record<string, string> = {},
): Promise<ManagedProcess> {
  const worker = spawnTs(
    "server/worker.ts",
    await withTestDatabase({
      REDIS_URL: redisUrl,
      AUTH_SECRET: TEST_SECRET,
      REDIS_KEY_PREFIX: "pbtest",
      LOG_LEVEL: "info",
      ...env,
    }),
  );
  try {
    await worker.waitFor(/worker ready/, 60_000);
  } catch (err) {
    await worker.stop("SIGKILL");
    throw err;
  }
  return worker;
}
