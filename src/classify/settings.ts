import { z } from 'zod';
import { configFile } from '../config/files.js';
import { DEFAULT_CONFIG_DIR } from '../paths.js';
import { YamlFile } from '../config/yaml-file.js';

const unit = (what: string) =>
  z
    .number({ error: `expected ${what} as a number between 0 and 1` })
    .min(0)
    .max(1);

const classifySchema = z.strictObject({
  sector: z
    .strictObject({ reviewBelow: unit('sector.reviewBelow').default(0.6) })
    .default({ reviewBelow: 0.6 }),
  relevance: z
    .strictObject({
      threshold: unit('relevance.threshold').default(0.5),
      terms: z.array(z.string().min(1), { error: 'expected a list of collaboration phrases' }).default([]),
    })
    .default({ threshold: 0.5, terms: [] }),
  retrain: z
    .strictObject({
      cron: z.string().min(9, 'expected a cron pattern such as "30 2 * * *"').default('30 2 * * *'),
      editorLabelWeight: z.number().positive().max(100).default(3),
      keepVersions: z.number().int().min(1).max(100).default(5),
    })
    .default({ cron: '30 2 * * *', editorLabelWeight: 3, keepVersions: 5 }),
});
export type ClassifySettings = z.output<typeof classifySchema>;

/** Where the classifier's data lives in `dir`: its files when it has them, else the bundled ones (like sectors.yaml). */
export function classifyPaths(dir: string = DEFAULT_CONFIG_DIR) {
  return {
    settings: configFile(dir, 'classify.yaml'),
    gazetteer: configFile(dir, 'gazetteer/bodies.tsv'),
    trainingDir: configFile(dir, 'training'),
  };
}

export function loadClassifySettings(path: string): ClassifySettings {
  return YamlFile.read(path).validate(classifySchema);
}
