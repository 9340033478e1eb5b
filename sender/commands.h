/* commands.h: the verbs of airseal-send, one file each. Each returns an exit status. */
#ifndef AIRSEAL_SENDER_COMMANDS_H
#define AIRSEAL_SENDER_COMMANDS_H

int cmd_keygen(int argc, char **argv);
int cmd_pack(int argc, char **argv);
int cmd_qr(int argc, char **argv);
int cmd_verify_receipt(int argc, char **argv);
int cmd_verify_entry(int argc, char **argv);

#endif
