'use strict';
// What Kafka needs before it can start: a Java 17+ runtime, and the broker jars from Maven Central (cached).

const fs = require('fs');
const path = require('path');
const { spawn, spawnSync } = require('child_process');
const { POM, kafkaCacheDir, log, secs } = require('./settings');

function checkJava() {
  const r = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (r.error) {
    throw new Error(
      'java was not found on PATH. Kafka 4 needs a Java 17+ runtime; install one, e.g. ' +
        '`apt-get install openjdk-17-jre-headless` (Debian/Ubuntu), then run this again.',
    );
  }
  const out = `${r.stderr}${r.stdout}`;
  const m = out.match(/version "(\d+)(?:\.(\d+))?/);
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : NaN;
  if (!(major >= 17)) {
    throw new Error(
      `Kafka 4 needs Java 17 or newer, but \`java -version\` reports: ${out.split('\n')[0].trim()}. ` +
        'Install one, e.g. `apt-get install openjdk-17-jre-headless`, and put it first on PATH.',
    );
  }
}

function checkMaven() {
  const r = spawnSync('mvn', ['-v'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(
      'mvn (Apache Maven) was not found on PATH; it is needed once to download the Kafka jars from Maven Central. ' +
        'Install it, e.g. `apt-get install maven` (Debian/Ubuntu), then run this again.',
    );
  }
}

/** Makes sure the broker jars are in the cache; returns the libs directory. */
async function ensureKafkaJars(version) {
  const cache = kafkaCacheDir(version);
  const libs = path.join(cache, 'libs');
  const marker = path.join(libs, `kafka_2.13-${version}.jar`);
  if (fs.existsSync(marker)) return libs;
  checkMaven();
  fs.mkdirSync(cache, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(cache, 'libs.tmp-'));
  const t0 = Date.now();
  log(`downloading Kafka ${version} jars (first run only) into ${libs} ...`);
  try {
    let output = '';
    const code = await new Promise((resolve, reject) => {
      // Piped, not inherited: mvn -q prints errors on stdout (keep ours clean) and Maven 3.8 emits stray ANSI codes.
      const child = spawn(
        'mvn',
        ['-q', '-B', '-f', POM, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${tmp}`],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      child.on('error', reject);
      child.on('close', resolve);
    });
    output = output.replace(/\x1b\[[0-9;]*m/g, '').trim();
    if (code !== 0) throw new Error(`mvn dependency:copy-dependencies failed (exit ${code}):\n${output}`);
    if (!fs.existsSync(path.join(tmp, `kafka_2.13-${version}.jar`))) {
      throw new Error(`mvn finished but kafka_2.13-${version}.jar is missing from ${tmp}`);
    }
    try {
      fs.renameSync(tmp, libs);
    } catch (e) {
      if (!fs.existsSync(marker)) throw e; // someone else finished first: fine
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  log(`Kafka jars downloaded in ${secs(t0)} s`);
  return libs;
}

module.exports = { checkJava, ensureKafkaJars };
