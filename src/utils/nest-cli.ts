import { logging } from '@angular-devkit/core';
import { Tree } from '@angular-devkit/schematics';
import { JSONFile } from '@schematics/angular/utility/json-file';

export const COLLECTION_NAME = 'nest-realtime';
const NEST_COLLECTION = '@nestjs/schematics';

/**
 * Points nest-cli.json's `collection` at ours, so `nest g realtime-gateway` works without `-c`; our
 * collection extends @nestjs/schematics, so every stock `nest g` keeps working. Every other key and the
 * file's formatting are kept. A custom collection the team chose is left alone, with a hint.
 *
 * @example
 * useNestRealtimeCollection(tree, context.logger); // nest-cli.json: "collection": "nest-realtime"
 */
export function useNestRealtimeCollection(tree: Tree, logger: logging.LoggerApi): void {
  if (!tree.exists('/nest-cli.json')) {
    tree.create('/nest-cli.json', JSON.stringify({ collection: COLLECTION_NAME, sourceRoot: 'src' }, null, 2) + '\n');
    return;
  }
  const nestCli = new JSONFile(tree, '/nest-cli.json');
  const current = nestCli.get(['collection']);
  if (current === COLLECTION_NAME) {
    return;
  }
  if (current !== undefined && current !== NEST_COLLECTION) {
    logger.warn(
      `nest-cli.json uses the collection "${String(current)}", so it was left as it is. ` +
        `Run our schematics with \`nest g -c ${COLLECTION_NAME} <schematic>\`.`,
    );
    return;
  }
  nestCli.modify(['collection'], COLLECTION_NAME);
}
