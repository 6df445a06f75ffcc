'use strict';
// Asking the running Kafka what it is: healthy or not, who leads which partition, which node is the active controller.

const fs = require('fs');
const path = require('path');

const HEALTH_TOPIC = '__infra_healthcheck';

function adminClient(cfg, timeoutMs) {
  const { Kafka, logLevel } = require('kafkajs');
  return new Kafka({
    clientId: 'infra-healthcheck',
    brokers: cfg.KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: Math.min(3000, timeoutMs),
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  }).admin();
}

async function withAdmin(cfg, timeoutMs, fn) {
  const admin = adminClient(cfg, timeoutMs);
  try {
    await admin.connect();
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Healthy: every broker of the layout is registered, and a topic replicated on all of them can be created and listed. */
async function kafkaHealthy(cfg, timeoutMs = 5000) {
  return withAdmin(cfg, timeoutMs, async (admin) => {
    const { brokers } = await admin.describeCluster();
    if (brokers.length < cfg.brokers) throw new Error(`${brokers.length} of ${cfg.brokers} brokers registered`);
    try {
      await admin.createTopics({
        topics: [{ topic: HEALTH_TOPIC, numPartitions: 1, replicationFactor: cfg.brokers }],
        waitForLeaders: true,
        timeout: timeoutMs,
      });
    } catch (e) {
      const already = (e.errors || [e]).every((x) => x && x.type === 'TOPIC_ALREADY_EXISTS');
      if (!already) throw e;
    }
    const topics = await admin.listTopics();
    if (!topics.includes(HEALTH_TOPIC)) throw new Error(`${HEALTH_TOPIC} not listed yet`);
    return true;
  });
}

/**
 * For each broker id: the partitions it leads, as { topic: [partition, ...] }, and the partitions whose in-sync
 * replicas are fewer than their replicas. Internal topics (__*) are left out.
 */
async function partitionLeaders(cfg, timeoutMs = 5000) {
  return withAdmin(cfg, timeoutMs, async (admin) => {
    const topics = (await admin.listTopics()).filter((t) => !t.startsWith('__')).sort();
    const leads = new Map();
    const underReplicated = [];
    if (topics.length) {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics });
      for (const t of meta) {
        for (const p of t.partitions) {
          const byTopic = leads.get(p.leader) || {};
          (byTopic[t.name] = byTopic[t.name] || []).push(p.partitionId);
          leads.set(p.leader, byTopic);
          if (p.isr.length < p.replicas.length) underReplicated.push(`${t.name}[${p.partitionId}]`);
        }
      }
    }
    for (const byTopic of leads.values()) for (const list of Object.values(byTopic)) list.sort((a, b) => a - b);
    return { leads, underReplicated };
  });
}

/**
 * The active KRaft controller as the nodes last wrote it in their quorum-state files: the leader of the highest
 * epoch any node knows. No request is needed, so it also answers while the cluster is degraded.
 */
function activeController(nodes) {
  let best = null;
  for (const n of nodes) {
    try {
      const file = path.join(n.dir, 'data', '__cluster_metadata-0', 'quorum-state');
      const s = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (typeof s.leaderId === 'number' && s.leaderId >= 0 && (!best || s.leaderEpoch > best.epoch)) {
        best = { id: s.leaderId, epoch: s.leaderEpoch };
      }
    } catch {
      /* not written yet */
    }
  }
  return best;
}

module.exports = { kafkaHealthy, partitionLeaders, activeController };
