/* commands.h: the verbs of airseal-recv, one file each. Each returns an exit status. */
#ifndef AIRSEAL_RECEIVER_COMMANDS_H
#define AIRSEAL_RECEIVER_COMMANDS_H

#include "common/core/error.h"
#include "common/station/station.h"
#include "common/ui/passphrase.h"

int cmd_init(int argc, char **argv);
int cmd_trust(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_shares(int argc, char **argv);
int cmd_log(int argc, char **argv);

/* Opens the station and unlocks its keys with a passphrase from src (not asked for an
 * unprotected station). */
int open_unlocked_station(as_station *st, const char *dir, const as_pass_source *src,
                          as_error *err);

#endif
