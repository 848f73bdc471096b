import type { ArgumentMetadata } from '@nestjs/common';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { RealtimeErrorCode } from '../../runtime/realtime.errors.js';
import { DEFAULT_REALTIME_LIMITS } from '../../runtime/realtime.limits.js';
import { RealtimeSettings } from '../../runtime/realtime.settings.js';
import { RealtimeValidationPipe } from '../../runtime/ws-validation.pipe.js';

class NoteDto {
  text!: string;
}
// Applied as calls, not as @decorators: Vitest in a Nest 12 monorepo compiles
// spec files without the app's experimentalDecorators setting.
IsString()(NoteDto.prototype, 'text');
IsNotEmpty()(NoteDto.prototype, 'text');
MaxLength(20)(NoteDto.prototype, 'text');

// What Nest's pipes consumer hands a pipe for a `@MessageBody()`.
const body: ArgumentMetadata = { type: 'body', metatype: NoteDto };
const pipe = new RealtimeValidationPipe();
const { maxDepth, maxKeys, maxArrayLength } = DEFAULT_REALTIME_LIMITS.payload;

/** What the pipe threw for a payload, or undefined when it accepted it. */
async function refusalOf(payload: unknown): Promise<unknown> {
  try {
    await pipe.transform(payload, body);
  } catch (error) {
    return error;
  }
  return undefined;
}

/** `{ a: { a: … } }`, `depth` objects deep, built without recursion. */
function nested(depth: number): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let level = root;
  for (let current = 1; current < depth; current++) {
    const child: Record<string, unknown> = {};
    level.a = child;
    level = child;
  }
  return root;
}

describe('RealtimeValidationPipe', () => {
  it('hands the handler a DTO instance of a valid payload', async () => {
    const note = await pipe.transform({ text: 'hi' }, body);

    expect(note).toBeInstanceOf(NoteDto);
    expect(note).toEqual({ text: 'hi' });
  });

  it('names the field that failed, with its constraints', async () => {
    await expect(refusalOf({ text: '' })).resolves.toMatchObject({
      code: RealtimeErrorCode.ValidationFailed,
      message: 'Validation failed: text should not be empty',
      details: {
        fields: [
          {
            field: 'text',
            constraints: { isNotEmpty: 'text should not be empty' },
          },
        ],
      },
    });
  });

  it('refuses fields the DTO does not declare', async () => {
    await expect(refusalOf({ text: 'hi', isAdmin: true })).resolves.toMatchObject({
      code: RealtimeErrorCode.ValidationFailed,
      message: 'Validation failed: property isAdmin should not exist',
    });
  });

  it('refuses a payload that is not an object', async () => {
    for (const payload of ['hi', ['hi'], null]) {
      await expect(refusalOf(payload)).resolves.toMatchObject({
        code: RealtimeErrorCode.ValidationFailed,
      });
    }
  });

  it('refuses prototype keys at any depth', async () => {
    const payload: unknown = JSON.parse('{"text":"hi","meta":{"__proto__":{"isAdmin":true}}}');

    await expect(refusalOf(payload)).resolves.toMatchObject({
      message: 'Validation failed: property meta.__proto__ should not exist',
    });
  });

  it('names a prototype key inside an array by its index', async () => {
    const payload: unknown = JSON.parse('{"text":"hi","tags":[{"name":"a"},{"constructor":{"prototype":{}}}]}');

    await expect(refusalOf(payload)).resolves.toMatchObject({
      message: 'Validation failed: property tags[1].constructor should not exist',
    });
  });

  describe('shape limits, checked before class-validator', () => {
    it('passes a payload at the limits on to class-validator', async () => {
      // Nothing above the limits: class-validator, not the shape check, refuses the unknown key.
      const payload = { text: 'hi', extra: nested(maxDepth - 1) };

      await expect(refusalOf(payload)).resolves.toMatchObject({
        code: RealtimeErrorCode.ValidationFailed,
      });
    });

    it('refuses a payload nested deeper than allowed, however deep', async () => {
      for (const depth of [maxDepth + 1, 10_000]) {
        await expect(refusalOf(nested(depth))).resolves.toMatchObject({
          code: RealtimeErrorCode.LimitExceeded,
          message: `The payload is nested deeper than ${maxDepth} levels`,
        });
      }
    });

    it('refuses more keys than allowed, counted over the whole payload', async () => {
      const wide: Record<string, number> = {};
      for (let key = 0; key < 6_500; key++) {
        wide[`k${key}`] = key;
      }
      const spread = {
        text: 'hi',
        parts: Array.from({ length: 10 }, () =>
          Object.fromEntries(Array.from({ length: Math.ceil(maxKeys / 10) }, (_unused, key) => [`k${key}`, 0])),
        ),
      };

      for (const payload of [wide, spread]) {
        await expect(refusalOf(payload)).resolves.toMatchObject({
          code: RealtimeErrorCode.LimitExceeded,
          message: `The payload has more than ${maxKeys} keys and array items`,
        });
      }
    });

    it('refuses an array longer than allowed', async () => {
      const payload = {
        text: 'hi',
        tags: Array.from({ length: maxArrayLength + 1 }, () => 'x'),
      };

      await expect(refusalOf(payload)).resolves.toMatchObject({
        code: RealtimeErrorCode.LimitExceeded,
        message: `An array in the payload has more than ${maxArrayLength} items`,
      });
    });

    it("applies the app's limits", async () => {
      const strict = new RealtimeValidationPipe(
        RealtimeSettings.resolve({
          env: {},
          limits: { payload: { maxDepth: 2, maxKeys: 3, maxArrayLength: 2 } },
        }),
      );

      await expect(strict.transform({ text: 'hi', a: { b: { c: 1 } } }, body)).rejects.toMatchObject({
        code: RealtimeErrorCode.LimitExceeded,
      });
      await expect(strict.transform({ text: 'hi' }, body)).resolves.toEqual({
        text: 'hi',
      });
    });
  });

  it('leaves parameters without a DTO class alone', async () => {
    const socket = { id: 'socket' };

    await expect(pipe.transform(socket, { ...body, metatype: Object })).resolves.toBe(socket);
  });

  it('leaves every parameter but the message body alone, so it can apply to a whole gateway', async () => {
    const socket = { id: 'socket' };
    // A `@ConnectedSocket()` typed with a class.
    const connectedSocket: ArgumentMetadata = {
      type: 'custom',
      metatype: NoteDto,
    };

    await expect(pipe.transform(socket, connectedSocket)).resolves.toBe(socket);
  });
});
