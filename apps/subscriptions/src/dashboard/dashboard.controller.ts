import { Controller, Get, NotFoundException, Param, Redirect, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { DashboardAsset, DashboardAssets } from './dashboard-assets';

// The page talks only to its own origin and runs only its own files: an injected script or a
// framing site gets nothing.
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/** The admin dashboard (SPEC §7): static files that call the same REST API with the admin's key. */
@ApiExcludeController()
@Controller()
export class DashboardController {
  constructor(private readonly assets: DashboardAssets) {}

  @Get()
  @Redirect('/dashboard/', 302)
  root(): void {}

  @Get(['dashboard', 'dashboard/'])
  index(@Req() req: Request, @Res() res: Response): void {
    send(req, res, this.assets.get('index.html'));
  }

  @Get('dashboard/:file')
  file(@Param('file') file: string, @Req() req: Request, @Res() res: Response): void {
    const asset = this.assets.get(file);
    if (!asset || file === 'index.html') throw new NotFoundException([`dashboard file ${file.slice(0, 100)} not found`]);
    send(req, res, asset);
  }
}

function send(req: Request, res: Response, asset: DashboardAsset | undefined): void {
  if (!asset) throw new NotFoundException(['dashboard not found']);
  res.set(SECURITY_HEADERS);
  res.set({ 'Content-Type': asset.contentType, ETag: asset.etag, 'Cache-Control': 'no-cache' });
  if (req.headers['if-none-match'] === asset.etag) {
    res.status(304).end();
    return;
  }
  res.status(200).send(asset.body);
}
