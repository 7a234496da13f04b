*---------------------------------------------------------------------*
* FSCREEN: a full-screen guest on a 3270 through DIAGNOSE X'58'.      *
* IPL it from the reader (s370vm cp --reader GUEST1=this file, then   *
* IPL 00C at a 3270). It draws a screen (X'29' Erase/Write), waits    *
* for an attention interruption from the console (the user pressed    *
* ENTER or a PF key), reads the AID and the typed field (X'2A' Read   *
* Modified), shows the text back on its screen, and repeats. PF3 ends *
* it: X'19' with control X'FE' gives the screen back to CP and the    *
* machine stops in a disabled wait at address 0.                      *
*---------------------------------------------------------------------*
FSCREEN  START 0
IPLPSW   DC    X'00000000',A(BEGIN)   BC mode, I/O disabled, key 0
         ORG   FSCREEN+X'78'
IONEW    DC    X'00000000',A(GOTIO)   I/O new PSW: disabled, to GOTIO
         ORG   FSCREEN+X'200'
BEGIN    BALR  12,0
         USING *,12
SHOW     LA    2,WRITECCW             Rx: the CCW
         LA    3,X'009'               Ry: the console
         DIAG  2,3,X'58'              full-screen Erase/Write
         BC    7,FAIL                 CC 1: not a 3270, or rejected
         LPSW  WAITPSW                wait for the attention
GOTIO    LA    2,READCCW
         LA    3,X'009'
         DIAG  2,3,X'58'              Read Modified into INBUF
         BC    7,FAIL
         CLI   INBUF,X'F3'            PF3: the end
         BE    ENDIT
         MVC   ECHO,BLANKS
         LH    4,X'46'                residual count from the CSW
         LH    5,=Y(L'INBUF)
         SR    5,4                    bytes read
         SH    5,=H'7'                less AID, cursor, SBA, 1 for EX
         BM    SHOW                   no field came back
         EX    5,MOVEECHO
         B     SHOW
MOVEECHO MVC   ECHO(0),INBUF+6
ENDIT    LA    2,BACKCCW
         LA    3,X'009'
         DIAG  2,3,X'58'              X'FE': CP's screen again
         LPSW  DONEPSW
FAIL     LPSW  FAILPSW
         DS    0D
WAITPSW  DC    X'80020000',A(0)       enabled (channel 0) wait
DONEPSW  DC    X'0002000000000000'    disabled wait, address 0: ended
FAILPSW  DC    X'000200000000EEEE'    disabled wait, X'EEEE': failure
* DIAGNOSE X'58' CCWs: command, address, flags (SLI), control, count
WRITECCW DC    AL1(X'29'),AL3(SCREEN),X'2080',AL2(SCREENL) Erase/Write
READCCW  DC    AL1(X'2A'),AL3(INBUF),X'2080',AL2(L'INBUF) Read Modified
BACKCCW  DC    AL1(X'19'),AL3(BLANKS),X'20FE',AL2(1)       CP's screen
* The screen: WCC (restore, reset MDT), then SBA / SF orders and text.
SCREEN   DC    X'C3',X'114040',X'1DE8'
         DC    C'S370VM FULL-SCREEN GUEST (DIAGNOSE X''58'')'
         DC    X'11C260',X'1D60'
         DC    C'TYPE A LINE AND PRESS ENTER.  PF3 ENDS.'
         DC    X'11C3F0',X'1D40',X'13'
         DC    X'11C56C',X'1D60'
         DC    X'11C650',X'1D60',C'YOU TYPED: '
ECHO     DC    CL60' '
SCREENL  EQU   *-SCREEN
BLANKS   DC    CL60' '
INBUF    DS    CL80
         LTORG
         END   BEGIN
