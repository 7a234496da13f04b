*---------------------------------------------------------------------*
* CTCPONG: the other side of CTCPING's exchange, on the CTCA at X'600'*
* It waits for the attention of CTCPING's write, asks what the other  *
* side issued with SENSE COMMAND BYTE (X'14': a write, X'01'), reads  *
* it, sets extended mode, writes it back with PONG in place of PING,  *
* and ends with WRITE EOF (X'81' in extended mode).  Results:         *
*   X'1000' the message read, X'1100' the command byte,               *
*   X'1102' the read's residual count.                                *
* Ends in a disabled wait: address 0 success, X'EEEE' failure.        *
*---------------------------------------------------------------------*
CTCPONG  START 0
IPLPSW   DC    X'00000000',A(BEGIN)   BC mode, I/O disabled, key 0
         ORG   CTCPONG+X'200'
BEGIN    BALR  12,0                   establish addressability
         USING *,12
ATTN     TIO   X'600'                 wait for the attention
         BC    8,ATTN                 CC 0: nothing yet
         BC    3,FAIL                 CC 2 or 3: not expected
         TM    X'44',X'80'            attention?
         BNO   FAIL
         LA    3,SCBCCW               what did the other side issue?
         BAL   14,DOIO
         CLI   CMDBYTE,X'01'          a write
         BNE   FAIL
         LA    3,READCCW              read it (80 bytes, SLI)
         BAL   14,DOIO
         CLI   X'44',X'0C'
         BNE   FAIL
         MVC   RESID(2),X'46'
         LA    3,SEMCCW               set extended mode
         BAL   14,DOIO
         MVC   BUFFER(4),=C'PONG'
         LA    3,WRITECCW             write the answer
         BAL   14,DOIO
         CLI   X'44',X'0C'
         BNE   FAIL
         LA    3,WEOFCCW              write end of file
         BAL   14,DOIO
         CLI   X'44',X'0C'
         BNE   FAIL
         LPSW  DONEPSW
*        DOIO: as in CTCPING, on X'600'
DOIO     ST    3,X'48'
SIO      SIO   X'600'
         BC    4,SIO
         BC    3,FAIL
WAIT     TIO   X'600'
         BC    2,WAIT
         BC    8,FAIL
         BR    14
FAIL     LPSW  FAILPSW
         DS    0D
DONEPSW  DC    X'0002000000000000'
FAILPSW  DC    X'000200000000EEEE'
SCBCCW   CCW   X'14',CMDBYTE,0,1      sense command byte
READCCW  CCW   X'02',BUFFER,X'20',80  read, SLI
SEMCCW   CCW   X'C3',0,X'20',1        set extended mode
WRITECCW CCW   X'01',BUFFER,0,20
WEOFCCW  CCW   X'81',0,X'20',1        write end of file
         LTORG
         ORG   CTCPONG+X'1000'
BUFFER   DC    XL80'00'
         ORG   CTCPONG+X'1100'
CMDBYTE  DC    X'00'
         DC    X'00'
RESID    DC    H'0'
         END   BEGIN
