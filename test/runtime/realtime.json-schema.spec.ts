import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  ArrayNotEmpty,
  Equals,
  IsBoolean,
  IsEmail,
  IsEnum,
  IsHexColor,
  IsISO8601,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsPositive,
  IsString,
  IsUrl,
  Matches,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { SchemaComponents } from '../../runtime/realtime.json-schema.js';

enum Priority {
  Low,
  High,
}

enum Channel {
  Email = 'email',
  Push = 'push',
}

class ContactDto {
  @IsEmail()
  email!: string;

  @IsOptional()
  @IsUrl()
  homepage?: string;
}

class ThreadDto {
  @IsNotEmpty()
  title!: string;

  @IsOptional()
  @ValidateNested()
  parent?: ThreadDto;
}

class NotificationDto {
  @IsEnum(Priority)
  priority!: Priority;

  @IsEnum(Channel, { each: true })
  @ArrayMinSize(1)
  channels!: Channel[];

  @IsBoolean()
  urgent!: boolean;

  @IsNumber()
  @IsPositive()
  weight!: number;

  @IsISO8601()
  sendAt!: string;

  @IsObject()
  metadata!: Record<string, string>;

  @Equals(1)
  version!: 1;

  @Matches(/^[a-z]+$/i)
  slug!: string;

  @IsHexColor()
  color!: string;

  @ValidateNested()
  contact!: ContactDto;

  @ArrayNotEmpty()
  @MinLength(2, { each: true })
  @IsString({ each: true })
  tags!: string[];

  @ValidateNested()
  @Type(() => ThreadDto)
  thread!: ThreadDto;
}

/** A class named as ContactDto, as another feature's DTO may be. */
function anotherContactDto() {
  class ContactDto {
    @IsString()
    phone!: string;
  }
  return ContactDto;
}

describe('SchemaComponents', () => {
  it('describes the common class-validator constraints as JSON Schema', () => {
    const components = new SchemaComponents();

    components.refTo(NotificationDto);

    expect(components.schemas.NotificationDto.properties).toEqual({
      priority: { type: 'number', enum: [0, 1] },
      channels: {
        type: 'array',
        minItems: 1,
        items: { enum: ['email', 'push'] },
      },
      urgent: { type: 'boolean' },
      weight: { type: 'number', exclusiveMinimum: 0 },
      sendAt: { type: 'string', format: 'date-time' },
      metadata: { type: 'object' },
      version: { const: 1, type: 'number' },
      // A flagged expression is no JSON Schema pattern: left out.
      slug: { type: 'string' },
      // Not a constraint the document knows: the property stays, unconstrained.
      color: { type: 'string' },
      contact: { $ref: '#/components/schemas/ContactDto' },
      tags: {
        type: 'array',
        minItems: 1,
        items: { type: 'string', minLength: 2 },
      },
      thread: { $ref: '#/components/schemas/ThreadDto' },
    });
  });

  it('makes a property with @IsOptional not required', () => {
    const components = new SchemaComponents();

    components.refTo(ContactDto);

    expect(components.schemas.ContactDto).toEqual({
      type: 'object',
      properties: {
        email: { type: 'string', format: 'email' },
        homepage: { type: 'string', format: 'uri' },
      },
      required: ['email'],
      additionalProperties: false,
    });
  });

  it('describes a class that refers to itself once', () => {
    const components = new SchemaComponents();

    expect(components.refTo(ThreadDto)).toEqual({
      $ref: '#/components/schemas/ThreadDto',
    });
    expect(components.schemas.ThreadDto.properties).toEqual({
      title: { type: 'string', not: { const: '' } },
      parent: { $ref: '#/components/schemas/ThreadDto' },
    });
  });

  it('numbers a second class of the same name', () => {
    const components = new SchemaComponents();
    const Other = anotherContactDto();

    components.refTo(ContactDto);

    expect(components.refTo(Other)).toEqual({
      $ref: '#/components/schemas/ContactDto2',
    });
    expect(components.refTo(ContactDto)).toEqual({
      $ref: '#/components/schemas/ContactDto',
    });
  });
});
