/**
 * The local preview: an HTTP server on 127.0.0.1 only. GET / (page), /stream.mjpg (multipart JPEG stream),
 * /frame.jpg (latest frame), /events (server-sent events with the figures), /stats.json (latest figures).
 *
 * JPEG encoding (sharp, off the JS thread) happens only while someone watches, one encode at a time, always of
 * the newest frame: a slow viewer skips frames instead of queueing them. Requests whose Host header is not this
 * loopback address are refused (guards against DNS rebinding from web pages).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { LandmarkerError, outOfRange } from '../errors';
import { previewPage } from './page';

export interface PreviewFigures {
  index: number;
  width: number;
  height: number;
  captureFps: number;
  processedFps: number;
  latencyMs: number;
  inferenceMs: number;
  dropped: number;
  tracked: boolean;
  lost: string | null;
  /** Face mode (trackFaces): the ids of the faces in this frame. */
  faceIds?: number[];
}

export interface PreviewOptions {
  /** TCP port; 0 or absent picks a free one. */
  port?: number;
  title?: string;
  /** Extra rows shown on the page (model, backend...). */
  info?: Record<string, string>;
  /** JPEG quality 1..100. Default 80. */
  quality?: number;
}

const BOUNDARY = 'trtlandmarkerframe';

export class PreviewServer {
  private readonly server: Server;
  private readonly page: string;
  private readonly quality: number;
  private readonly streams = new Set<ServerResponse>();
  private readonly events = new Set<ServerResponse>();
  private latest: { rgb: Buffer; width: number; height: number; seq: number } | null = null;
  private jpeg: { data: Buffer; seq: number } | null = null;
  private encoding = false;
  private seq = 0;
  private figures: PreviewFigures | null = null;
  private ended: { error?: string } | null = null;
  port = 0;

  private constructor(options: PreviewOptions) {
    this.quality = options.quality ?? 80;
    this.page = previewPage(options.title ?? 'trt-landmarker', options.info ?? {});
    this.server = createServer((req, res) => this.handle(req, res));
  }

  static async start(options: PreviewOptions = {}): Promise<PreviewServer> {
    const port = options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw outOfRange('port', 'integer in 0..65535', port);
    const q = options.quality ?? 80;
    if (!Number.isInteger(q) || q < 1 || q > 100) throw outOfRange('quality', 'integer in 1..100', q);
    const s = new PreviewServer(options);
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new LandmarkerError('ERR_CAPTURE', `Cannot serve the preview on 127.0.0.1:${port}: ${err.code ?? err.message}`, { cause: err })),
      );
      s.server.listen(port, '127.0.0.1', () => resolve());
    });
    s.port = (s.server.address() as AddressInfo).port;
    return s;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  /** Viewers of the MJPEG stream and of the figures. */
  get viewers(): number {
    return this.streams.size + this.events.size;
  }

  /** A new annotated frame (packed RGB) and its figures. */
  publish(rgb: Buffer, width: number, height: number, figures: PreviewFigures): void {
    this.latest = { rgb, width, height, seq: ++this.seq };
    this.figures = figures;
    const line = `event: frame\ndata: ${JSON.stringify(figures)}\n\n`;
    for (const res of this.events) res.write(line);
    if (this.streams.size) this.encodeLatest();
  }

  /** Tells viewers the stream is over (the server keeps serving the last frame until close()). */
  end(error?: string): void {
    this.ended = error ? { error } : {};
    const line = `event: end\ndata: ${JSON.stringify(this.ended)}\n\n`;
    for (const res of this.events) res.end(line);
    this.events.clear();
    for (const res of this.streams) res.end();
    this.streams.clear();
  }

  async close(): Promise<void> {
    for (const res of [...this.streams, ...this.events]) res.destroy();
    this.streams.clear();
    this.events.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async encode(): Promise<Buffer | null> {
    const latest = this.latest;
    if (!latest) return null;
    if (this.jpeg?.seq === latest.seq) return this.jpeg.data;
    const data = await sharp(latest.rgb, { raw: { width: latest.width, height: latest.height, channels: 3 } })
      .jpeg({ quality: this.quality })
      .toBuffer();
    if (!this.jpeg || this.jpeg.seq < latest.seq) this.jpeg = { data, seq: latest.seq };
    return data;
  }

  private encodeLatest(): void {
    if (this.encoding) return;
    this.encoding = true;
    const seq = this.latest?.seq ?? 0;
    this.encode()
      .then((jpeg) => {
        if (!jpeg) return;
        const head = `--${BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\n\r\n`;
        for (const res of this.streams) {
          // A viewer whose socket is still full skips this frame.
          if (res.writableNeedDrain) continue;
          res.write(head);
          res.write(jpeg);
          res.write('\r\n');
        }
      })
      .catch(() => undefined)
      .finally(() => {
        this.encoding = false;
        if (this.streams.size && this.latest && this.latest.seq !== seq) this.encodeLatest();
      });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${this.port}` && host !== `localhost:${this.port}`) {
      res.writeHead(403, { 'Content-Type': 'text/plain' }).end('forbidden host\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    const noCache = { 'Cache-Control': 'no-store' };
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ...noCache }).end(this.page);
    } else if (path === '/stats.json') {
      res.writeHead(200, { 'Content-Type': 'application/json', ...noCache }).end(JSON.stringify(this.figures));
    } else if (path === '/frame.jpg') {
      this.encode().then(
        (jpeg) => {
          if (jpeg) res.writeHead(200, { 'Content-Type': 'image/jpeg', ...noCache }).end(jpeg);
          else res.writeHead(503, { 'Content-Type': 'text/plain', 'Retry-After': '1' }).end('no frame yet\n');
        },
        () => res.writeHead(500).end(),
      );
    } else if (path === '/stream.mjpg') {
      res.writeHead(200, { 'Content-Type': `multipart/x-mixed-replace; boundary=${BOUNDARY}`, Connection: 'close', ...noCache });
      if (this.ended) {
        res.end();
        return;
      }
      this.streams.add(res);
      res.on('close', () => this.streams.delete(res));
      if (this.latest) this.encodeLatest();
    } else if (path === '/events') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', Connection: 'keep-alive', ...noCache });
      if (this.figures) res.write(`event: frame\ndata: ${JSON.stringify(this.figures)}\n\n`);
      if (this.ended) {
        res.end(`event: end\ndata: ${JSON.stringify(this.ended)}\n\n`);
        return;
      }
      this.events.add(res);
      res.on('close', () => this.events.delete(res));
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
    }
  }
}
