*---------------------------------------------------------------------*
* GRAF: a guest that drives a dialled 3270 at device 0C0 with SIO     *
* and CCWs, as a local 3278 on a 3274. Give the VM a display          *
* (DEFINE GRAF 0C0), IPL this deck, and DIAL userid from another      *
* 3270. Each attention from 0C0 (the terminal arrived, or the user    *
* pressed an AID key) is answered by Read Modified, then Erase/Write  *
* of a screen showing what was typed. PF3 writes GOODBYE and stops    *
* the machine in a disabled wait at address 0.                        *
*---------------------------------------------------------------------*
GRAF     START 0
IPLPSW   DC    X'00000000',A(BEGIN)   BC mode, I/O disabled, key 0
         ORG   GRAF+X'78'
IONEW    DC    X'00000000',A(GOTIO)   I/O new PSW: disabled, to GOTIO
         ORG   GRAF+X'200'
BEGIN    BALR  12,0
         USING *,12
WAIT     LPSW  WAITPSW                wait for an attention
GOTIO    CLC   X'3A'(2),=X'00C0'      from the display?
         BNE   WAIT
         TM    X'44',X'80'            attention status?
         BZ    WAIT
         MVC   X'48'(4),=A(READCCW)   Read Modified
         BAL   14,DOIO
         CLI   INBUF,X'F3'            PF3: the end
         BE    ENDIT
         MVC   ECHO,BLANKS
         LH    4,X'46'                residual count from the CSW
         LH    5,=Y(L'INBUF)
         SR    5,4                    bytes read
         SH    5,=H'7'                less AID, cursor, SBA, 1 for EX
         BM    SHOW                   no field came back
         EX    5,MOVEECHO
SHOW     MVC   X'48'(4),=A(EWCCW)     Erase/Write the screen
         BAL   14,DOIO
         B     WAIT
MOVEECHO MVC   ECHO(0),INBUF+6
ENDIT    MVC   X'48'(4),=A(BYECCW)
         BAL   14,DOIO
         LPSW  DONEPSW
DOIO     SIO   X'0C0'                 start the channel program
         BC    7,FAIL
POLL     TIO   X'0C0'                 until it has ended
         BC    2,POLL
         BR    14
FAIL     LPSW  FAILPSW
         DS    0D
WAITPSW  DC    X'80020000',A(0)       enabled (channel 0) wait
DONEPSW  DC    X'0002000000000000'    disabled wait, address 0: ended
FAILPSW  DC    X'000200000000EEEE'    disabled wait, X'EEEE': failure
READCCW  CCW   X'06',INBUF,X'20',L'INBUF       Read Modified
EWCCW    CCW   X'05',SCREEN,X'20',SCREENL      Erase/Write
BYECCW   CCW   X'05',BYE,X'20',BYEL            Erase/Write
* The screen: WCC (restore, reset MDT), then SBA / SF orders and text.
SCREEN   DC    X'C3',X'114040',X'1DE8'
         DC    C'S370VM DIALLED 3270 (SIO AND CCWS TO 0C0)'
         DC    X'11C260',X'1D60'
         DC    C'TYPE A LINE AND PRESS ENTER.  PF3 ENDS.'
         DC    X'11C3F0',X'1D40',X'13'
         DC    X'11C56C',X'1D60'
         DC    X'11C650',X'1D60',C'YOU TYPED: '
ECHO     DC    CL60' '
SCREENL  EQU   *-SCREEN
BYE      DC    X'C3',X'114040',X'1D60',C'GOODBYE FROM THE GUEST'
BYEL     EQU   *-BYE
BLANKS   DC    CL60' '
INBUF    DS    CL80
         LTORG
         END   BEGIN
