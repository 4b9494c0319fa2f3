/**
 * The floors of src/ (docs/architecture.md): every import goes down a floor or stays in its folder,
 * and there are no import cycles. `npm run lint:deps` checks it (part of `npm test`).
 * Folders on one floor may not import each other either: they are rooms side by side.
 */
const FLOORS = [
  ["clock.ts"],
  ["k8s", "config", "telemetry"],
  ["metrics"],
  ["forecast"],
  ["adapter"],
  ["actuator"],
  ["kube"],
  ["replay"],
  ["demo", "api"],
  ["cli"],
];

const path = (room) => (room.endsWith(".ts") ? `^src/${room.replace(".", "\\.")}$` : `^src/${room}/`);

const floorRules = FLOORS.flatMap((rooms, level) =>
  rooms.flatMap((room) => {
    const forbidden = FLOORS.flatMap((other, otherLevel) =>
      otherLevel > level ? other : otherLevel === level ? other.filter((r) => r !== room) : [],
    );
    if (forbidden.length === 0) return [];
    return {
      name: `floor-${room.replace(".ts", "")}`,
      comment: `${room} (floor ${level}) may import only lower floors or itself`,
      severity: "error",
      from: { path: path(room) },
      to: { path: forbidden.map(path) },
    };
  }),
);

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "No import cycles, inside a folder or across folders",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "src-not-to-test",
      comment: "Test-only code lives under test/; the product never imports it",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^(test|bench)/" },
    },
    {
      name: "src-not-to-dev-deps",
      comment: "The product runs on its dependencies, not on dev dependencies",
      severity: "error",
      from: { path: "^src/" },
      to: { dependencyTypes: ["npm-dev"] },
    },
    {
      name: "floors-cover-src",
      comment: "Every folder of src/ has a floor (add a new one to FLOORS)",
      severity: "error",
      from: { path: "^src/", pathNot: FLOORS.flat().map(path) },
      to: {},
    },
    ...floorRules,
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    parser: "swc",
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
