import type { Type } from '@nestjs/common';
// Reads the design types TypeScript emits; loaded here too, so the file works outside a Nest app.
import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import {
  getMetadataStorage,
  ValidationTypes,
  type MetadataStorage,
} from 'class-validator';

/** A JSON Schema (draft-07) object, as AsyncAPI's default schema format takes it. */
export type JsonSchema = { [keyword: string]: unknown };

type ValidationMetadata = ReturnType<
  MetadataStorage['getTargetValidationMetadatas']
>[number];

/** What a constraint adds to the schema of the value it checks. */
type ConstraintSchema = (constraints: unknown[]) => JsonSchema | undefined;

const number = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

const enumValues = (entity: unknown): unknown[] | undefined =>
  typeof entity === 'object' && entity !== null
    ? // A numeric enum maps its values back to its keys; those keys are not values.
      Object.entries(entity as Record<string, unknown>)
        .filter(([key]) => Number.isNaN(Number.parseInt(key, 10)))
        .map(([, value]) => value)
    : undefined;

const patternOf = (
  pattern: unknown,
  modifiers: unknown,
): string | undefined => {
  // JSON Schema patterns have no flags: a flagged expression is left out rather than described wrongly.
  if (pattern instanceof RegExp) {
    return pattern.flags === '' ? pattern.source : undefined;
  }
  return typeof pattern === 'string' && !modifiers ? pattern : undefined;
};

/**
 * The class-validator constraints the document describes, by the name
 * class-validator registers them under. Others are left out of the schema.
 */
const CONSTRAINT_SCHEMAS: Record<string, ConstraintSchema> = {
  isString: () => ({ type: 'string' }),
  isNotEmpty: () => ({ not: { const: '' } }),
  isLength: ([min, max]) => ({
    type: 'string',
    minLength: number(min),
    maxLength: number(max),
  }),
  minLength: ([min]) => ({ type: 'string', minLength: number(min) }),
  maxLength: ([max]) => ({ type: 'string', maxLength: number(max) }),
  isInt: () => ({ type: 'integer' }),
  isNumber: () => ({ type: 'number' }),
  min: ([min]) => ({ minimum: number(min) }),
  max: ([max]) => ({ maximum: number(max) }),
  isPositive: () => ({ exclusiveMinimum: 0 }),
  isNegative: () => ({ exclusiveMaximum: 0 }),
  isBoolean: () => ({ type: 'boolean' }),
  isIn: ([values]) => (Array.isArray(values) ? { enum: values } : undefined),
  isEnum: ([entity]) => {
    const values = enumValues(entity);
    return values ? { enum: values } : undefined;
  },
  equals: ([value]) => ({ const: value }),
  isArray: () => ({ type: 'array' }),
  arrayMinSize: ([min]) => ({ type: 'array', minItems: number(min) }),
  arrayMaxSize: ([max]) => ({ type: 'array', maxItems: number(max) }),
  arrayNotEmpty: () => ({ type: 'array', minItems: 1 }),
  arrayUnique: () => ({ type: 'array', uniqueItems: true }),
  isObject: () => ({ type: 'object' }),
  isUuid: () => ({ type: 'string', format: 'uuid' }),
  isIso8601: () => ({ type: 'string', format: 'date-time' }),
  isDateString: () => ({ type: 'string', format: 'date-time' }),
  matches: ([pattern, modifiers]) => ({
    type: 'string',
    pattern: patternOf(pattern, modifiers),
  }),
  isEmail: () => ({ type: 'string', format: 'email' }),
  isUrl: () => ({ type: 'string', format: 'uri' }),
};

/** The type TypeScript emitted for a property, when no constraint names one. */
const DESIGN_TYPES = new Map<unknown, string>([
  [String, 'string'],
  [Number, 'number'],
  [Boolean, 'boolean'],
  [Array, 'array'],
]);

/** Merges `addition` into `schema`, leaving out undefined keywords; `integer` wins over `number`. */
function refine(schema: JsonSchema, addition: JsonSchema | undefined): void {
  for (const [keyword, value] of Object.entries(addition ?? {})) {
    if (value === undefined) {
      continue;
    }
    if (keyword === 'type' && schema.type === 'integer' && value === 'number') {
      continue;
    }
    schema[keyword] = value;
  }
}

/**
 * Component schemas of payload classes, by class name, described from their
 * class-validator decorators (and class-transformer's `@Type` for nested
 * classes). Each class is described once and referred to by `$ref`.
 *
 * @example
 * const components = new SchemaComponents();
 * components.refTo(SendMessageDto); // { $ref: '#/components/schemas/SendMessageDto' }
 * components.schemas.SendMessageDto; // { type: 'object', properties: { … }, required: [ … ] }
 */
export class SchemaComponents {
  /** Every class described so far, by its component name. */
  readonly schemas: Record<string, JsonSchema> = {};
  private readonly names = new Map<Type, string>();

  constructor(private readonly refPrefix = '#/components/schemas/') {}

  /** A reference to the schema of `dto`, which is described on first use. */
  refTo(dto: Type): JsonSchema {
    return { $ref: `${this.refPrefix}${this.nameOf(dto)}` };
  }

  /** The component name of `dto`: its class name, numbered when another class has it. */
  nameOf(dto: Type): string {
    const known = this.names.get(dto);
    if (known !== undefined) {
      return known;
    }
    const base = dto.name || 'Anonymous';
    let name = base;
    for (let n = 2; name in this.schemas; n++) {
      name = `${base}${n}`;
    }
    this.names.set(dto, name);
    // Claimed before it is described, so a class that refers to itself ends.
    this.schemas[name] = {};
    this.schemas[name] = this.describe(dto);
    return name;
  }

  private describe(dto: Type): JsonSchema {
    const metadata = getMetadataStorage().getTargetValidationMetadatas(
      dto,
      '',
      true,
      false,
    );
    const byProperty = new Map<string, ValidationMetadata[]>();
    for (const entry of metadata) {
      byProperty.set(entry.propertyName, [
        ...(byProperty.get(entry.propertyName) ?? []),
        entry,
      ]);
    }
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const [property, entries] of byProperty) {
      properties[property] = this.propertySchema(dto, property, entries);
      const optional = entries.some(
        (entry) => entry.type === ValidationTypes.CONDITIONAL_VALIDATION,
      );
      if (!optional) {
        required.push(property);
      }
    }
    return {
      type: 'object',
      properties,
      ...(required.length > 0 ? { required } : {}),
      // The runtime's validation pipe refuses properties no decorator declares.
      additionalProperties: false,
    };
  }

  private propertySchema(
    dto: Type,
    property: string,
    entries: ValidationMetadata[],
  ): JsonSchema {
    const schema: JsonSchema = {};
    const items: JsonSchema = {};
    for (const entry of entries) {
      const target = entry.each ? items : schema;
      if (entry.each) {
        refine(schema, { type: 'array' });
      }
      if (entry.type === ValidationTypes.NESTED_VALIDATION) {
        const nested = nestedClass(dto, property, entry.each);
        if (nested) {
          refine(target, this.refTo(nested));
        }
      } else if (entry.type === ValidationTypes.CUSTOM_VALIDATION) {
        const describeConstraint =
          entry.name === undefined ? undefined : CONSTRAINT_SCHEMAS[entry.name];
        refine(target, describeConstraint?.(entry.constraints ?? []));
      }
    }
    if (schema.type === undefined) {
      const designType: unknown = Reflect.getMetadata(
        'design:type',
        dto.prototype as object,
        property,
      );
      refine(schema, { type: DESIGN_TYPES.get(designType) });
    }
    if (Object.keys(items).length > 0) {
      schema.items = items;
    }
    return '$ref' in schema ? { $ref: schema.$ref } : schema;
  }
}

/**
 * The class of a nested property: what class-transformer's `@Type` makes of
 * a plain object there (as the validation pipe's transform does), else the
 * property's emitted design type.
 */
function nestedClass(
  dto: Type,
  property: string,
  each: boolean,
): Type | undefined {
  const probe = { [property]: each ? [{}] : {} };
  const value: unknown = (
    plainToInstance(dto, probe) as Record<string, unknown>
  )[property];
  const element: unknown = Array.isArray(value) ? value[0] : value;
  const transformed =
    typeof element === 'object' && element !== null
      ? (element.constructor as Type)
      : undefined;
  if (transformed !== undefined && transformed !== Object) {
    return transformed;
  }
  const designType: unknown = Reflect.getMetadata(
    'design:type',
    dto.prototype as object,
    property,
  );
  return typeof designType === 'function' &&
    !DESIGN_TYPES.has(designType) &&
    designType !== Object
    ? (designType as Type)
    : undefined;
}
