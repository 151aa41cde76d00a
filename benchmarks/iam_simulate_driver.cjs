// Runs an iamwarden scenario file (JSON form) through @cloud-copilot/iam-simulate.
//
// usage: node iam_simulate_driver.cjs NODE_MODULES_DIR SCENARIOS.json
// Prints one JSON object: request count, seconds (parse, simulate) and one decision per
// request ("allowed" | "explicitDeny" | "implicitDeny" | "error"), in file order.
// Scenario fields are merged into each request as iamwarden's loader does; the
// resource account is the request's, else the resource ARN's, else the principal's.
"use strict";

const path = require("path");
const fs = require("fs");

const [modules, file] = process.argv.slice(2);
const { runSimulation } = require(
  require.resolve("@cloud-copilot/iam-simulate", { paths: [modules] }),
);

const DECISION = {
  Allowed: "allowed",
  ExplicitlyDenied: "explicitDeny",
  ImplicitlyDenied: "implicitDeny",
};

function accountOf(arn) {
  const parts = (arn || "").split(":");
  return parts.length >= 6 && parts[4] ? parts[4] : undefined;
}

function doc(value) {
  return typeof value === "string" ? JSON.parse(value) : value;
}

function named(list, prefix) {
  return (list || []).map((policy, i) => ({ name: `${prefix}[${i}]`, policy: doc(policy) }));
}

function simulation(fields) {
  const resource = fields.resource || "*";
  const account =
    (fields.resource_account && String(fields.resource_account)) ||
    accountOf(resource) ||
    accountOf(fields.principal);
  const sim = {
    request: {
      principal: fields.principal,
      action: fields.action,
      resource: { resource, accountId: account },
      contextVariables: fields.context || {},
    },
    identityPolicies: named(fields.identity_policies, "identity_policies"),
    serviceControlPolicies: (fields.scps || []).map((level, i) => ({
      orgIdentifier: `level${i}`,
      policies: named(level, `scps[${i}]`),
    })),
    resourceControlPolicies: (fields.rcps || []).map((level, i) => ({
      orgIdentifier: `level${i}`,
      policies: named(level, `rcps[${i}]`),
    })),
  };
  if (fields.permissions_boundary) {
    sim.permissionBoundaryPolicies = [
      { name: "permissions_boundary", policy: doc(fields.permissions_boundary) },
    ];
  }
  if (fields.resource_policy) sim.resourcePolicy = doc(fields.resource_policy);
  if (fields.session_policies && fields.session_policies.length) {
    sim.sessionPolicy = doc(fields.session_policies[0]);
  }
  return sim;
}

async function main() {
  const started = process.hrtime.bigint();
  const data = JSON.parse(fs.readFileSync(file, "utf8"));
  const parsed = process.hrtime.bigint();
  const decisions = [];
  for (const scenario of data.scenarios) {
    const { name, requests, context, ...shared } = scenario;
    for (const item of requests) {
      const fields = { ...shared, ...item };
      fields.context = { ...(context || {}), ...(item.context || {}) };
      let decision = "error";
      try {
        const result = await runSimulation(simulation(fields), {});
        if (result.resultType !== "error") decision = DECISION[result.overallResult] || "error";
      } catch (e) {
        decision = "error";
      }
      decisions.push(decision);
    }
  }
  const done = process.hrtime.bigint();
  process.stdout.write(
    JSON.stringify({
      requests: decisions.length,
      parse_seconds: Number(parsed - started) / 1e9,
      simulate_seconds: Number(done - parsed) / 1e9,
      decisions,
    }),
  );
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e) + "\n");
  process.exit(1);
});
