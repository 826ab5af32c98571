import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The directory of this package's package.json, found upwards from `from` (a module's `__dirname`):
 * the repository root when the TypeScript runs from source, the installed package's directory when
 * it runs from one of the dist/ bundles. Files shipped beside the code (lambdas/, console/) are
 * found from here, so the same code finds them in both layouts.
 */
export function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}
