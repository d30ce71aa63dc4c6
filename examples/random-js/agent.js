// A random agent speaking the arena's protocol (docs/protocol.md) in Node.js, no packages.
// Each game gets its own generator (mulberry32 seeded with the low 32 bits of the game's seed).
"use strict";
const readline = require("readline");

const PROTOCOL = 1;

function mulberry32(seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function send(message) {
  process.stdout.write(JSON.stringify(message) + "\n");
}

const games = new Map();
const input = readline.createInterface({ input: process.stdin, terminal: false });

input.on("line", (line) => {
  const message = JSON.parse(line);
  switch (message.type) {
    case "hello":
      send({
        type: "hello",
        protocol: PROTOCOL,
        name: "random-js",
        games: [{ game: "liars_dice" }, { game: "skull" }],
        tensor: false,
        text: false,
      });
      break;
    case "new_game": {
      // seeds are integers up to 2**64: JSON numbers lose the low bits, which is fine here
      const seed = Number(BigInt.asUintN(32, BigInt(Math.trunc(message.seed ?? 0))));
      games.set(message.game_id, mulberry32(seed));
      break;
    }
    case "act":
      send({
        type: "actions",
        actions: message.requests.map((r) => {
          const next = games.get(r.game_id);
          return r.legal_actions[Math.floor(next() * r.legal_actions.length)];
        }),
      });
      break;
    case "end_game":
      games.delete(message.game_id);
      break;
    case "quit":
      input.close();
      break;
  }
});
input.on("close", () => process.exit(0));
