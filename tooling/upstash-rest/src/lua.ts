/**
 * Makes Lua scripts written for Upstash run on a stock redis-server.
 *
 * @upstash/ratelimit's scripts start with `#!lua flags=allow-key-locking`, a
 * flag only Upstash knows; redis-server refuses it ("Unexpected flag in script
 * shebang"). So the flag is dropped before redis sees a script.
 *
 * Dropping it changes the script's SHA1, while clients keep calling EVALSHA
 * with the SHA1 of the text they have. So each rewrite is remembered
 * (client SHA1 -> redis SHA1) and EVALSHA / SCRIPT EXISTS are translated, and
 * SCRIPT LOAD answers the client's SHA1. A SHA1 this process has not seen
 * (e.g. after a restart) gets NOSCRIPT, and clients then fall back to EVAL,
 * which records it again.
 */
import { createHash } from "node:crypto";
import type { Command } from "./commands";
import type { RawReply } from "./reply";

/** Script flags Upstash accepts but redis-server does not. */
const UPSTASH_ONLY_FLAGS = new Set(["allow-key-locking"]);

export interface PreparedCommand {
  command: Command;
  /** Rewrites a successful reply back into what the client expects, when needed. */
  mapReply?: (reply: RawReply) => RawReply;
}

export class LuaCompat {
  /** SHA1 of the script as the client sent it -> SHA1 of the script redis runs. */
  private readonly shas = new Map<string, string>();

  /** Rewrites a command that carries or names a script; leaves others untouched. */
  prepare(command: Command): PreparedCommand {
    const [name, ...args] = command;
    const lower = name.toLowerCase();
    const sub = args[0]?.toLowerCase();

    if ((lower === "eval" || lower === "eval_ro") && args[0] !== undefined) {
      return { command: [name, this.rewrite(args[0]).script, ...args.slice(1)] };
    }
    if ((lower === "evalsha" || lower === "evalsha_ro") && args[0] !== undefined) {
      return { command: [name, this.translate(args[0]), ...args.slice(1)] };
    }
    if (lower === "script" && sub === "load" && args[1] !== undefined) {
      const { script, clientSha } = this.rewrite(args[1]);
      return {
        command: [name, args[0] ?? "", script, ...args.slice(2)],
        // Redis answers the SHA1 of the rewritten text; the client expects its own.
        mapReply: () => Buffer.from(clientSha),
      };
    }
    if (lower === "script" && sub === "exists") {
      return {
        command: [name, args[0] ?? "", ...args.slice(1).map((sha) => this.translate(sha))],
      };
    }
    return { command };
  }

  private rewrite(script: string): { script: string; clientSha: string } {
    const clientSha = sha1(script);
    const rewritten = stripUpstashFlags(script);
    if (rewritten !== script) this.shas.set(clientSha, sha1(rewritten));
    return { script: rewritten, clientSha };
  }

  private translate(sha: string): string {
    return this.shas.get(sha.toLowerCase()) ?? sha;
  }
}

/** Drops Upstash-only flags from a `#!lua flags=...` first line, keeping the rest as is. */
export function stripUpstashFlags(script: string): string {
  if (!script.startsWith("#!")) return script;
  const end = script.indexOf("\n");
  const shebang = end === -1 ? script : script.slice(0, end);
  const body = end === -1 ? "" : script.slice(end);

  const parts = shebang.split(" ").flatMap((part) => {
    if (!part.startsWith("flags=")) return [part];
    const kept = part
      .slice("flags=".length)
      .split(",")
      .filter((flag) => !UPSTASH_ONLY_FLAGS.has(flag));
    return kept.length > 0 ? [`flags=${kept.join(",")}`] : [];
  });
  return parts.join(" ") + body;
}

function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}
