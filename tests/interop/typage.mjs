// typage.mjs: the typage side (npm age-encryption, pinned in package-lock.json) of
// tests/e2e/interop_typage.sh. Written for this test; typage itself is not copied here.
//
//   node typage.mjs encrypt RECIPIENT... < plain > sealed      (age1pq1... or age1...)
//   node typage.mjs decrypt IDENTITYFILE < sealed > plain      (age-keygen format)
//   node typage.mjs keygen-pq > identity.txt                   (# public key: line included)
//   node typage.mjs version
import { readFileSync } from "node:fs";
import { Decrypter, Encrypter, generateHybridIdentity, identityToRecipient } from "age-encryption";

const [cmd, ...args] = process.argv.slice(2);

function stdin() {
    return new Uint8Array(readFileSync(0));
}

// Identity file lines as age-keygen writes them: comments and blank lines skipped.
function identities(path) {
    return readFileSync(path, "utf8").split(/\r?\n/).filter((l) => l !== "" && !l.startsWith("#"));
}

async function main() {
    if (cmd === "encrypt") {
        const e = new Encrypter();
        for (const r of args) e.addRecipient(r);
        process.stdout.write(await e.encrypt(stdin()));
    } else if (cmd === "decrypt") {
        const d = new Decrypter();
        for (const id of identities(args[0])) d.addIdentity(id);
        process.stdout.write(await d.decrypt(stdin()));
    } else if (cmd === "keygen-pq") {
        const id = await generateHybridIdentity();
        const r = await identityToRecipient(id);
        process.stdout.write(`# created: ${new Date().toISOString().slice(0, 19)}Z\n# public key: ${r}\n${id}\n`);
    } else if (cmd === "version") {
        const pkg = new URL("node_modules/age-encryption/package.json", import.meta.url);
        process.stdout.write(JSON.parse(readFileSync(pkg, "utf8")).version + "\n");
    } else {
        process.stderr.write("usage: typage.mjs encrypt|decrypt|keygen-pq|version\n");
        process.exit(2);
    }
}

main().catch((e) => {
    process.stderr.write(`typage: ${e.message}\n`);
    process.exit(1);
});
