/* Exit codes, named after qmail-queue(8). qmail-smtpd turns 11-40 into a
   permanent 554 and everything else into a temporary 451. */
#ifndef QSCANQ_EXITCODES_H
#define QSCANQ_EXITCODES_H

#define QQ_OK 0
#define QQ_PERM 31 /* virus or banned attachment: refuse for good */
#define QQ_IND_VIRUS 33 /* indimail mode, virus, no reply fd */
#define QQ_IND_BANNED 34 /* indimail mode, banned attachment, no reply fd */
#define QQ_NOMEM 51
#define QQ_WRITE 53 /* cannot write the message to the spool */
#define QQ_READ 54 /* cannot read the message from fd 0 */
#define QQ_TEMP 71 /* any other temporary failure */
#define QQ_BUG 81
#define QQ_CUSTOM 82 /* notqmail/simscan: reply text on the reply fd */
#define QQ_IND_CUSTOM 88 /* indimail: reply text on $ERROR_FD */

/* The verdict: one name for it across the tree. Its values are the
   scanner contract's exit codes (qscanq(7)), so a scanner exits with its
   verdict and qscanq-stdin reads one back from an exit code. Any other
   exit code, a signal or a timeout is VERDICT_FAIL. */
enum qscanq_verdict
{
  VERDICT_CLEAN = 0,
  VERDICT_VIRUS = 1,
  VERDICT_FAIL = 2,
  VERDICT_BANNED = 3
};

/* Administrative tools, as daemontools. */
#define ADM_USAGE 100
#define ADM_TEMP 111

#endif
