// docs/configuration.md is generated from the tables; this fails when the committed file is stale
// (regenerate with `node dist/src/config/generate-docs.js`), and checks the rendering covers every
// config and the loading rules.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { BROKER_CONFIG_DEFINITIONS, TOPIC_CONFIG_DEFINITIONS } from "../../src/config/definitions/index.js";
import { configurationDocsPath } from "../../src/config/generate-docs.js";
import { renderConfigurationDocs } from "../../src/config/render-docs.js";

const rendered = renderConfigurationDocs();

test("docs/configuration.md matches the config tables", () => {
  const committed = readFileSync(configurationDocsPath(), "utf8");
  assert.ok(committed === rendered, "docs/configuration.md is stale: run `npm run build && node dist/src/config/generate-docs.js`");
});

test("every config has a section with its default, type and update mode", () => {
  for (const definition of BROKER_CONFIG_DEFINITIONS) {
    const start = rendered.indexOf(`#### \`${definition.name}\`\n`);
    assert.ok(start >= 0, `${definition.name} has a section`);
    const section = rendered.slice(start, rendered.indexOf("\n####", start + 1));
    assert.match(section, new RegExp(`- Type: ${definition.type}\n`));
    assert.match(section, /- Default: /);
    assert.match(section, /- Update mode: (read-only|per-broker|cluster-wide)/);
  }
  for (const definition of TOPIC_CONFIG_DEFINITIONS) {
    const start = rendered.indexOf(`#### \`${definition.name}\`\n`, rendered.indexOf("## Topic configs"));
    assert.ok(start >= 0, `${definition.name} has a section`);
    const end = rendered.indexOf("\n####", start + 1);
    const section = rendered.slice(start, end < 0 ? undefined : end);
    assert.match(section, new RegExp(`- Type: ${definition.type}\n`));
    assert.match(section, /- Broker default from: /);
    assert.match(section, /- Update mode: per topic/);
  }
});

test("the loading rules and embedded defaults are documented", () => {
  assert.match(rendered, /TRIBUTARY_LOG_DIRS=\/data/);
  assert.match(rendered, /--override key=value/);
  assert.match(rendered, /\| `offsets.topic.replication.factor` \| `1` \| `3` \|/);
  assert.match(rendered, /- Broker default from: `log.retention.ms`, then `log.retention.minutes` \(in minutes\), then `log.retention.hours` \(in hours\)/);
});
