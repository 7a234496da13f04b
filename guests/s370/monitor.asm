*---------------------------------------------------------------------
* MONITOR: a small interactive monitor for an s370vm virtual machine.
*
* IPL it from a card reader (the built-in system puts its deck in each
* guest's reader: IPL 00C). It reads lines from the console at 009 and
* runs commands:
*   HELP          list the commands
*   ECHO text     type the text back
*   TIME          date and time from CP (DIAGNOSE X'0C')
*   CP command    give a command to CP (DIAGNOSE X'08')
*   PSW           show the monitor's own PSW (taken by an SVC)
*   RUN [name]    load the next reader file (or the one with that spool
*                 file name, found by QUERY RDR ALL and put first with
*                 ORDER RDR, by DIAGNOSE X'08') at X'2000', call it
*   QUIT          load a disabled wait PSW (CP takes over)
* A program started by RUN gets R14 = return address, R15 = its entry,
* R9 = the monitor's PUT routine (R3 = text, R4 = length, call with
* BALR 10,9; PUT changes R1, R2, R15). It must keep R12 and R13 and
* return with BR 14; R15 is shown as its return code.
* BC mode, key 0; I/O by SIO and an enabled wait for the interruption.
*---------------------------------------------------------------------
MONITOR  START 0
         DC    X'0000000000',AL3(BEGIN)  IPL PSW: BC, key 0, disabled
         ORG   MONITOR+X'60'
         DC    X'0000000000',AL3(SVCINT) SVC new PSW
         DC    X'0002000000',AL3(X'EEEE') program new: disabled wait
         ORG   MONITOR+X'78'
         DC    X'0000000000',AL3(IOINT)  I/O new PSW
         ORG   MONITOR+X'200'
BEGIN    BALR  12,0
         USING *,12
         LA    13,SAVE
         LA    3,HELLO
         LA    4,L'HELLO
         BAL   10,PUT
*---------------------------------------------------------------------
* The command loop.
*---------------------------------------------------------------------
NEXT     LA    3,PROMPT
         LA    4,L'PROMPT
         BAL   10,PUT
         BAL   10,GET                   R4 = length of the line
         LTR   4,4
         BZ    NEXT
         MVC   UPPER,INBUF
         OC    UPPER,BLANKS             fold letters to upper case
         CLC   UPPER(4),=C'HELP'
         BE    DOHELP
         CLC   UPPER(5),=C'ECHO '
         BE    DOECHO
         CLC   UPPER(4),=C'TIME'
         BE    DOTIME
         CLC   UPPER(3),=C'CP '
         BE    DOCP
         CLC   UPPER(3),=C'PSW'
         BE    DOPSW
         CLC   UPPER(3),=C'RUN'
         BE    DORUN
         CLC   UPPER(4),=C'QUIT'
         BE    DOQUIT
         LA    3,UNKNOWN
         LA    4,L'UNKNOWN
         BAL   10,PUT
         B     NEXT
*
DOHELP   LA    5,HELPTXT
         LA    6,HELPN
HELPLOOP LR    3,5
         LA    4,40
         BAL   10,PUT
         LA    5,40(5)
         BCT   6,HELPLOOP
         B     NEXT
*
DOECHO   LA    3,INBUF+5
         SH    4,=H'5'
         BNP   NEXT
         BAL   10,PUT
         B     NEXT
*
DOTIME   LA    6,TIMEAREA
         DIAG  6,0,X'000C'
         MVC   TIMEMSG+5(8),TIMEAREA
         MVC   TIMEMSG+19(8),TIMEAREA+8
         LA    3,TIMEMSG
         LA    4,L'TIMEMSG
         BAL   10,PUT
         B     NEXT
*
DOCP     LA    6,INBUF+3
         LR    7,4
         SH    7,=H'3'
         BNP   NEXT
         DIAG  6,7,X'0008'
         B     NEXT
*
DOPSW    SVC   1                        the SVC old PSW is our PSW
         B     NEXT
SVCINT   MVC   HEXIN(4),X'20'
         BAL   11,HEX8
         MVC   PSWMSG+6(8),HEXOUT
         MVC   HEXIN(4),X'24'
         BAL   11,HEX8
         MVC   PSWMSG+15(8),HEXOUT
         LA    3,PSWMSG
         LA    4,L'PSWMSG
         BAL   10,PUT
         LPSW  X'20'                    back after the SVC
*
DOQUIT   LA    3,BYE
         LA    4,L'BYE
         BAL   10,PUT
         LPSW  QUITPSW
*---------------------------------------------------------------------
* RUN: read the next reader file into LOADAT, then call it.
*---------------------------------------------------------------------
DORUN    SH    4,=H'4'                  RUN name: length of the name
         BNP   RUNGO
         CLI   UPPER+3,C' '
         BNE   RUNGO
         MVC   PNAME,BLANKS
         CH    4,=H'8'
         BNH   NAMELEN
         LA    4,8
NAMELEN  BCTR  4,0
         EX    4,MVCNAME                PNAME = the name, blank padded
         LA    6,QRYCMD                 CP QUERY RDR ALL, response
         L     7,=A(QBUF)               into QBUF (DIAGNOSE X'08'
         L     8,=A(X'40000000'+L'QRYCMD) with the X'40' flag)
         L     9,=A(QBUFL)
         DIAG  6,8,X'0008'
         L     2,=A(QBUF)               R2: a line; R3: end of response
         LR    3,2
         AR    3,9
SCAN     CR    2,3
         BNL   NONAME
         CLC   53(8,2),PNAME            the NAME column of the line
         BE    FOUND
NEXTCH   CLI   0(2),X'15'               skip to the next line
         LA    2,1(2)
         BE    SCAN
         CR    2,3
         BL    NEXTCH
         B     NONAME
FOUND    MVC   ORDCMD+10(4),9(2)        its spool id: ORDER RDR nnnn
         LA    6,ORDCMD
         LA    8,L'ORDCMD
         DIAG  6,8,X'0008'
         B     RUNGO
NONAME   LA    3,NONAMEM
         LA    4,L'NONAMEM
         BAL   10,PUT
         B     NEXT
MVCNAME  MVC   PNAME(0),UPPER+4
RUNGO    L     5,=A(LOADAT)
         SR    6,6                      cards read
RUNREAD  STCM  5,7,RDRCCW+1
         LA    1,RDRCCW
         LA    2,X'00C'
         BAL   10,DOIO
         LTR   15,15
         BNZ   RUNEOF
         LA    5,80(5)
         LA    6,1(6)
         B     RUNREAD
RUNEOF   LTR   6,6
         BZ    NOFILE
         L     15,=A(LOADAT)
         LA    14,RUNBACK
         LA    9,PUT
         BALR  14,15
RUNBACK  DS    0H
         STC   15,HEXIN
         MVC   HEXIN+1(3),=X'000000'
         BAL   11,HEX8
         MVC   RCMSG+5(2),HEXOUT
         LA    3,RCMSG
         LA    4,L'RCMSG
         BAL   10,PUT
         B     NEXT
NOFILE   LA    3,NOFILEM
         LA    4,L'NOFILEM
         BAL   10,PUT
         B     NEXT
*---------------------------------------------------------------------
* PUT: type R4 bytes at R3 on the console.  GET: read a line into
* INBUF, length in R4.  DOIO: start the CCW at R1 on device R2 and
* wait for its interruption; R15 = 0 normal, 4 unit exception,
* 8 error.  Return by R10.
*---------------------------------------------------------------------
PUT      STCM  3,7,PUTCCW+1
         STH   4,PUTCCW+6
         LA    1,PUTCCW
         LA    2,X'009'
         B     DOIO
GET      LA    1,GETCCW
         LA    2,X'009'
         ST    10,GETRET
         BAL   10,DOIO
         L     10,GETRET
         LH    4,=H'130'
         SH    4,X'46'                  minus the residual count
         BR    10
DOIO     ST    1,X'48'                  CAW: key 0, CCW address
         SIO   0(2)
         BC    7,IOERR                  not started
         LPSW  WAITPSW                  wait for the interruption
IOINT    SR    15,15                    one I/O at a time
         TM    X'44',X'01'              unit exception (end of file)?
         BZ    IOOK
         LA    15,4
IOOK     TM    X'44',X'02'              unit check?
         BZR   10
IOERR    LA    15,8
         BR    10
*---------------------------------------------------------------------
* HEX8: the 4 bytes at HEXIN as 8 hex characters at HEXOUT (by R11).
*---------------------------------------------------------------------
HEX8     UNPK  HEXOUT(9),HEXIN(5)
         TR    HEXOUT(8),HEXTAB-240
         BR    11
*---------------------------------------------------------------------
         DS    0D
WAITPSW  DC    X'FE02000000',AL3(IOINT)  BC, channels 0-6 on, wait
QUITPSW  DC    X'0002000000000000'       disabled wait
PUTCCW   DC    X'09',AL3(0),X'20',X'00',H'0'   write, carriage return
GETCCW   DC    X'0A',AL3(INBUF),X'20',X'00',H'130'  read inquiry
RDRCCW   DC    X'02',AL3(0),X'20',X'00',H'80'   read a card
SAVE     DS    18F
GETRET   DS    F
TIMEAREA DS    4D
HEXIN    DS    XL5
HEXOUT   DS    CL9
HEXTAB   DC    C'0123456789ABCDEF'
HELLO    DC    C'S370VM MONITOR READY. TYPE HELP FOR COMMANDS.'
PROMPT   DC    C'MONITOR:'
UNKNOWN  DC    C'?MON: UNKNOWN COMMAND - TYPE HELP'
BYE      DC    C'MONITOR ENDING: DISABLED WAIT'
NOFILEM  DC    C'?MON: NO FILE IN THE READER'
NONAMEM  DC    C'?MON: NO SUCH FILE IN THE READER'
QRYCMD   DC    C'QUERY RDR ALL'
ORDCMD   DC    C'ORDER RDR nnnn'
PNAME    DC    CL8' '
TIMEMSG  DC    C'DATE mm/dd/yy TIME hh:mm:ss'
PSWMSG   DC    C'PSW = xxxxxxxx xxxxxxxx'
RCMSG    DC    C'RC = xx'
HELPTXT  DC    CL40'HELP       THIS LIST'
         DC    CL40'ECHO TEXT  TYPE THE TEXT BACK'
         DC    CL40'TIME       DATE AND TIME (DIAGNOSE 0C)'
         DC    CL40'CP CMD     A CP COMMAND (DIAGNOSE 08)'
         DC    CL40'PSW        SHOW THE MONITOR''S PSW'
         DC    CL40'RUN [NAME] LOAD A READER FILE AND RUN IT'
         DC    CL40'QUIT       STOP (DISABLED WAIT)'
HELPN    EQU   (*-HELPTXT)/40
BLANKS   DC    132C' '
INBUF    DC    CL132' '
UPPER    DC    CL132' '
         LTORG
QBUF     EQU   MONITOR+X'1000'          responses from CP (DIAGNOSE 8)
QBUFL    EQU   X'800'
         ORG   MONITOR+X'2000'
LOADAT   DS    0D                       RUN programs load here
         END   BEGIN
