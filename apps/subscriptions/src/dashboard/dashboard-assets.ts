import { Injectable, OnModuleInit } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';

export interface DashboardAsset {
  body: Buffer;
  contentType: string;
  etag: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

// Where the files are: beside this module when run from source (tests, ts-node), copied next to
// the bundle by nest-cli's assets rule when built (dist/apps/subscriptions/dashboard/public).
const CANDIDATE_DIRS = [join(__dirname, 'public'), join(__dirname, 'dashboard', 'public')];

/**
 * The dashboard's static files, read once at start into memory: a fixed set of small files, so a
 * request never touches the file system and no path from a URL ever reaches it.
 */
@Injectable()
export class DashboardAssets implements OnModuleInit {
  private readonly files = new Map<string, DashboardAsset>();

  onModuleInit(): void {
    const dir = CANDIDATE_DIRS.find((d) => existsSync(join(d, 'index.html')));
    if (!dir) throw new Error(`dashboard files not found in ${CANDIDATE_DIRS.join(' or ')}`);
    for (const name of readdirSync(dir)) {
      const contentType = CONTENT_TYPES[extname(name)];
      if (!contentType) continue;
      const body = readFileSync(join(dir, name));
      this.files.set(name, { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
    }
  }

  get(name: string): DashboardAsset | undefined {
    return this.files.get(name);
  }
}
