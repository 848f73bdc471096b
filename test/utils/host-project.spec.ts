import { SchematicsException } from '@angular-devkit/schematics';
import { detectHostProject, HttpPlatform, Linter, ModuleSystem, TestRunner } from '../../src/utils/host-project';
import { addMonorepoApp, createNestAppTree, useFastify } from '../fixtures/nest-app';

describe('detectHostProject', () => {
  it('describes a Nest 11 app as CommonJS with Jest and ESLint', () => {
    const host = detectHostProject(createNestAppTree(11));
    expect(host).toMatchObject({
      nestMajor: 11,
      moduleSystem: ModuleSystem.CommonJs,
      importExtension: '',
      testRunner: TestRunner.Jest,
      linter: Linter.Eslint,
      projectRoot: '/',
      sourceRoot: '/src',
      mainPath: '/src/main.ts',
      specFileSuffix: 'spec',
    });
  });

  describe('HTTP platform', () => {
    it('is Express in a stock app, and Fastify in one set up as Nest documents it', () => {
      expect(detectHostProject(createNestAppTree(11)).httpPlatform).toBe(HttpPlatform.Express);
      expect(detectHostProject(useFastify(createNestAppTree(11), 11)).httpPlatform).toBe(HttpPlatform.Fastify);
      expect(detectHostProject(useFastify(createNestAppTree(12), 12)).httpPlatform).toBe(HttpPlatform.Fastify);
    });

    it('with both platforms installed, is the one main.ts creates the app with', () => {
      const both = useFastify(createNestAppTree(11), 11);
      const manifest = JSON.parse(both.readContent('/package.json')) as { dependencies: Record<string, string> };
      manifest.dependencies['@nestjs/platform-express'] = '^11.0.1';
      both.overwrite('/package.json', JSON.stringify(manifest, null, 2));
      expect(detectHostProject(both).httpPlatform).toBe(HttpPlatform.Fastify);

      both.overwrite('/src/main.ts', both.readContent('/src/main.ts').replace(', new FastifyAdapter()', ''));
      expect(detectHostProject(both).httpPlatform).toBe(HttpPlatform.Express);
    });
  });

  describe('spec file suffix', () => {
    it('takes nest-cli.json generateOptions, a project’s own over the root’s, and the CLI flag over both', () => {
      const tree = createNestAppTree(11);
      addMonorepoApp(tree, 'admin');
      const nestCli = JSON.parse(tree.readContent('/nest-cli.json')) as {
        generateOptions?: object;
        projects: Record<string, { generateOptions?: object }>;
      };
      nestCli.generateOptions = { specFileSuffix: 'test' };
      nestCli.projects.admin.generateOptions = { specFileSuffix: 'unit' };
      tree.overwrite('/nest-cli.json', JSON.stringify(nestCli));

      expect(detectHostProject(tree).specFileSuffix).toBe('test');
      expect(detectHostProject(tree, { project: 'admin' }).specFileSuffix).toBe('unit');
      expect(detectHostProject(tree, { project: 'admin', specFileSuffix: 'check' }).specFileSuffix).toBe('check');
    });

    it('refuses a suffix that would make a path', () => {
      expect(() => detectHostProject(createNestAppTree(12), { specFileSuffix: '../x' })).toThrow(
        /Spec file suffix "..\/x" .* must be letters, digits, "-" or "_"/,
      );
    });
  });

  it('describes a Nest 12 app as ESM with Vitest and oxlint', () => {
    const host = detectHostProject(createNestAppTree(12));
    expect(host).toMatchObject({
      nestMajor: 12,
      moduleSystem: ModuleSystem.Esm,
      importExtension: '.js',
      testRunner: TestRunner.Vitest,
      linter: Linter.Oxlint,
    });
  });

  describe('monorepo', () => {
    it('uses the project named by --project', () => {
      const tree = createNestAppTree(11);
      addMonorepoApp(tree, 'admin');
      const host = detectHostProject(tree, { project: 'admin' });
      expect(host).toMatchObject({
        projectName: 'admin',
        projectRoot: '/apps/admin',
        sourceRoot: '/apps/admin/src',
        mainPath: '/apps/admin/src/main.ts',
      });
    });

    it('finds the project from the source root the Nest CLI passes', () => {
      const tree = createNestAppTree(12);
      addMonorepoApp(tree, 'admin');
      expect(detectHostProject(tree, { sourceRoot: 'apps/admin/src' })).toMatchObject({
        projectName: 'admin',
        projectRoot: '/apps/admin',
      });
    });

    it('defaults to the monorepo default project', () => {
      const tree = createNestAppTree(11);
      addMonorepoApp(tree, 'admin');
      expect(detectHostProject(tree)).toMatchObject({ projectName: 'svc', sourceRoot: '/apps/svc/src' });
    });

    it('rejects an unknown project and lists the known ones', () => {
      const tree = createNestAppTree(11);
      addMonorepoApp(tree, 'admin');
      expect(() => detectHostProject(tree, { project: 'nope' })).toThrow(/Known projects: svc, admin/);
    });
  });

  describe('trees that are not a supported Nest app', () => {
    it('fails without package.json', () => {
      const tree = createNestAppTree(11);
      tree.delete('/package.json');
      expect(() => detectHostProject(tree)).toThrow(SchematicsException);
      expect(() => detectHostProject(tree)).toThrow(/No package.json/);
    });

    it('fails when @nestjs/core is not a dependency', () => {
      const tree = createNestAppTree(11);
      tree.overwrite('/package.json', JSON.stringify({ name: 'x', dependencies: { express: '^5.0.0' } }));
      expect(() => detectHostProject(tree)).toThrow(/not a Nest application: package.json has no @nestjs\/core/);
    });

    it('fails on a Nest major we do not generate for', () => {
      const tree = createNestAppTree(11);
      tree.overwrite('/package.json', JSON.stringify({ dependencies: { '@nestjs/core': '^10.4.0' } }));
      expect(() => detectHostProject(tree)).toThrow(/"\^10.4.0" is not supported/);
    });

    it('fails when the entry file is missing', () => {
      const tree = createNestAppTree(12);
      tree.delete('/src/main.ts');
      expect(() => detectHostProject(tree)).toThrow(/Cannot find the application entry file \/src\/main.ts/);
    });

    it('fails on a package.json that is not JSON', () => {
      const tree = createNestAppTree(12);
      tree.overwrite('/package.json', '{ nope');
      expect(() => detectHostProject(tree)).toThrow(/package.json is not valid JSON/);
    });
  });
});
