/* bundle_readme.c: README.txt, how anyone checks a bundle with stock tools; see
 * bundle_readme.h. The text is the sender's: the library writes it as it is given. */
#include "bundle_readme.h"

#include "common/core/text.h"

static const char readme_fmt[] =
    "EVIDENCE BUNDLE sealed with airseal %s\n"
    "=====================================\n"
    "\n"
    "Bundle:  %s\n"
    "Case:    %s\n"
    "Files:   %llu (%llu bytes of evidence)\n"
    "Signed:  NGO key %s, fingerprint %s\n"
    "\n"
    "The evidence is encrypted (age) to the court intake station and signed (minisign) by\n"
    "the NGO. Nothing here can be read without the station's secret key.\n"
    "\n"
    "AT THE COURT INTAKE STATION\n"
    "\n"
    "    airseal-recv import STATION <this folder>%s\n"
    "\n"
    "CHECKING WITH STOCK TOOLS (no airseal needed), from inside this folder:\n"
    "%s"
    "  1. The NGO's signature (NGO.pub is the NGO's public key file; check its fingerprint\n"
    "     with the NGO first). This needs no secret:\n"
    "\n"
    "    minisign -V -p NGO.pub -m bundle.age\n"
    "\n"
    "  2. The contents (STATION/identity.txt is the station's age identity; for a\n"
    "     passphrase-protected station use STATION/identity.age and type the passphrase).\n"
    "     A post-quantum station (recipient age1pq1..., what airseal-recv init makes by\n"
    "     default) needs age 1.3 or later, or typage (npm age-encryption): Debian 12's\n"
    "     age 1.1.1 cannot read its identity (\"unknown identity type\"):\n"
    "\n"
    "    age -d -i STATION/identity.txt bundle.age | tar -t\n"
    "\n"
    "  3. Extract, then check every file against the signed manifest:\n"
    "\n"
    "    mkdir out && age -d -i STATION/identity.txt bundle.age | tar -x -C out\n"
    "    minisign -V -p NGO.pub -m out/manifest.txt -x out/manifest.txt.minisig\n"
    "    sed -n '/^$/,${/^$/d;s/^\\([0-9a-f]\\{64\\}\\) [0-9]* /\\1  out\\/evidence\\//p}' "
    "out/manifest.txt | sha256sum -c\n"
    "\n"
    "OTHER FILES\n"
    "\n"
    "    bundle.parity   Reed-Solomon parity (%u%%): repairs damage to bundle.age on import\n"
    "    bundle.index    block digests and layout used for the repair\n"
    "%s"
    "\n"
    "The format is specified in airseal's docs/FORMAT.md.\n";

static const char split_note[] =
    "  0. This bundle is split into parts. Put bundle.age back together first:\n"
    "\n"
    "    for f in bundle.age.part*; do tail -c +513 \"$f\"; done > bundle.age\n"
    "\n";

int bundle_readme(as_buf *out, const as_seal_result *sr, bool split, unsigned pct,
                  const char *signer_id, const char *signer_fp, as_error *err)
{
    char sc[AS_TEXT_SHOW_CAP(AS_CASE_MAX)]; /* the README is read in any editor or terminal */
    return as_buf_printf(
        out, err, readme_fmt, AS_VERSION, sr->comment.bundle_id,
        as_text_shown(sc, sizeof sc, sr->comment.case_id), (unsigned long long)sr->comment.files,
        (unsigned long long)sr->comment.bytes, signer_id, signer_fp,
        split ? " [<more folders with parts>...]" : "", split ? split_note : "", pct,
        split ? "    *.partNNN       the parts: each starts with a 512-byte "
                "text header\n"
              : "");
}
