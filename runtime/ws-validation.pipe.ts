import {
  Injectable,
  Optional,
  type ArgumentMetadata,
  type PipeTransform,
} from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import {
  validate,
  type ValidationError,
  type ValidatorOptions,
} from 'class-validator';
import {
  RealtimeErrorCode,
  RealtimeException,
  type FieldError,
} from './realtime.errors.js';
import {
  DEFAULT_REALTIME_LIMITS,
  payloadLimitMessages,
  type PayloadLimits,
} from './realtime.limits.js';
import { RealtimeSettings } from './realtime.settings.js';

// Bounds the reply to a payload stuffed with invalid fields.
const MAX_REPORTED_ERRORS = 10;

// Unknown fields are errors, not silently dropped; errors do not echo values.
const VALIDATOR_OPTIONS: Readonly<ValidatorOptions> = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
};

// Keys class-transformer would turn into a prototype change instead of a property.
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);

// Parameter types that are not DTO classes, as Nest's ValidationPipe skips them.
const NOT_VALIDATED: readonly unknown[] = [
  String,
  Boolean,
  Number,
  Array,
  Object,
  Buffer,
  Date,
];

type DtoClass = new () => object;

type PathSegment = string | number;

/** An object or array met while walking a payload, linked to where it sits. */
interface Container {
  value: Record<string, unknown> | unknown[];
  depth: number;
  parent?: Container;
  key?: PathSegment;
}

function isDtoClass(metatype: unknown): metatype is DtoClass {
  return typeof metatype === 'function' && !NOT_VALIDATED.includes(metatype);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !ArrayBuffer.isView(value) &&
    !(value instanceof ArrayBuffer)
  );
}

function isContainer(value: unknown): value is Container['value'] {
  return Array.isArray(value) || isPlainObject(value);
}

/** `items[0].name`-style text for the path to `key` inside `container`. */
function pathTo(container: Container, key: PathSegment): string {
  const segments: PathSegment[] = [key];
  for (
    let at: Container | undefined = container;
    at?.key !== undefined;
    at = at.parent
  ) {
    segments.unshift(at.key);
  }
  return segments
    .map((segment, position) => {
      if (typeof segment === 'number') {
        return `[${segment}]`;
      }
      return position === 0 ? segment : `.${segment}`;
    })
    .join('');
}

function limitExceeded(message: string): RealtimeException {
  return new RealtimeException(RealtimeErrorCode.LimitExceeded, message);
}

function fieldRefused(field: string): RealtimeException {
  const message = `property ${field} should not exist`;
  return new RealtimeException(
    RealtimeErrorCode.ValidationFailed,
    `Validation failed: ${message}`,
    { fields: [{ field, constraints: { whitelistValidation: message } }] },
  );
}

/**
 * Walks a parsed payload without recursion, so a hostile one costs at most
 * `limits.maxKeys` steps and never the stack: returns the first prototype
 * key or exceeded limit as an exception, or undefined for a sound payload.
 */
function inspectShape(
  payload: Record<string, unknown>,
  limits: PayloadLimits,
): RealtimeException | undefined {
  const pending: Container[] = [{ value: payload, depth: 1 }];
  let entries = 0;
  for (let container = pending.pop(); container; container = pending.pop()) {
    const { value, depth } = container;
    if (Array.isArray(value) && value.length > limits.maxArrayLength) {
      return limitExceeded(payloadLimitMessages.arrayLength(limits));
    }
    const keys: PathSegment[] = Array.isArray(value)
      ? value.map((_item, index) => index)
      : Object.keys(value);
    entries += keys.length;
    if (entries > limits.maxKeys) {
      return limitExceeded(payloadLimitMessages.keys(limits));
    }
    for (const key of keys) {
      if (typeof key === 'string' && PROTOTYPE_KEYS.has(key)) {
        return fieldRefused(pathTo(container, key));
      }
      const child: unknown = Array.isArray(value)
        ? value[key as number]
        : value[key];
      if (!isContainer(child)) {
        continue;
      }
      if (depth + 1 > limits.maxDepth) {
        return limitExceeded(payloadLimitMessages.depth(limits));
      }
      pending.push({ value: child, depth: depth + 1, parent: container, key });
    }
  }
  return undefined;
}

function collectFieldErrors(
  errors: ValidationError[],
  parentPath = '',
): FieldError[] {
  return errors.flatMap((error) => {
    const field =
      parentPath === '' ? error.property : `${parentPath}.${error.property}`;
    const own: FieldError[] =
      error.constraints === undefined
        ? []
        : [{ field, constraints: error.constraints }];
    return [...own, ...collectFieldErrors(error.children ?? [], field)];
  });
}

function validationFailed(errors: ValidationError[]): RealtimeException {
  const all = collectFieldErrors(errors);
  const fields = all.slice(0, MAX_REPORTED_ERRORS);
  const messages = fields.flatMap(({ constraints }) =>
    Object.values(constraints),
  );
  if (all.length > fields.length) {
    messages.push(`and ${all.length - fields.length} more`);
  }
  return new RealtimeException(
    RealtimeErrorCode.ValidationFailed,
    `Validation failed: ${messages.join('; ')}`,
    { fields },
  );
}

/**
 * Validates a gateway's `@MessageBody()` against its DTO class and hands the
 * handler the DTO instance; every other parameter (`@ConnectedSocket()`, the
 * ack) passes untouched, so it applies to a whole gateway. It first checks
 * the payload's shape against PayloadLimits (depth, keys, array length) and
 * refuses prototype keys, without recursion: class-transformer and
 * class-validator walk every key, so an oversized payload is refused before
 * it reaches them. Then class-validator runs with whitelist and
 * forbidNonWhitelisted. Errors are RealtimeExceptions with a code and the
 * offending fields: Nest's stock ValidationPipe throws an HTTP
 * BadRequestException, which reaches socket clients as "Internal server error".
 * `@RealtimeGateway` puts it on every `@MessageBody()` of the gateway.
 */
@Injectable()
export class RealtimeValidationPipe implements PipeTransform {
  private readonly limits: PayloadLimits;

  constructor(@Optional() settings?: RealtimeSettings) {
    this.limits = settings?.limits.payload ?? DEFAULT_REALTIME_LIMITS.payload;
  }

  async transform(
    value: unknown,
    { metatype, type }: ArgumentMetadata,
  ): Promise<unknown> {
    // Applied with `@UsePipes` instead, it also sees `@ConnectedSocket()` ('custom').
    if (type !== 'body' || !isDtoClass(metatype)) {
      return value;
    }
    if (!isPlainObject(value)) {
      throw new RealtimeException(
        RealtimeErrorCode.ValidationFailed,
        'Validation failed: the payload must be an object',
      );
    }
    const refusal = inspectShape(value, this.limits);
    if (refusal !== undefined) {
      throw refusal;
    }
    const dto = plainToInstance(metatype, value);
    const errors = await validate(dto, VALIDATOR_OPTIONS);
    if (errors.length > 0) {
      throw validationFailed(errors);
    }
    return dto;
  }
}
