*---------------------------------------------------------------------*
* CTCNET: an S/370 guest on CP's virtual switch through a CTCA NIC at *
* X'700' (DEFINE NIC 700 TYPE CTCA, COUPLE 700 TO SYSTEM LAN1): it    *
* writes the Ethernet frame it finds at X'2000' (its length in the    *
* halfword at X'1102'; whoever loads the program puts them there) and *
* reads the frame that comes back into X'3000' (1514 bytes, SLI).     *
* X'1100' holds the read's residual count.  Ends in a disabled wait:  *
* address 0 success, X'EEEE' failure.                                 *
*---------------------------------------------------------------------*
CTCNET   START 0
IPLPSW   DC    X'00000000',A(BEGIN)   BC mode, I/O disabled, key 0
         ORG   CTCNET+X'200'
BEGIN    BALR  12,0                   establish addressability
         USING *,12
         LH    4,FRAMELEN             the frame's length
         STH   4,WRITECCW+6           is the write's count
         LA    3,WRITECCW             one write: one frame
         BAL   14,DOIO
         CLI   X'44',X'0C'
         BNE   FAIL
         LA    3,READCCW              one read: the next frame for us
         BAL   14,DOIO
         CLI   X'44',X'0C'
         BNE   FAIL
         MVC   RESID(2),X'46'
         LPSW  DONEPSW
*        DOIO: start the CCW at R3 on X'700' and wait for its ending
*        (an attention pending makes SIO store it: start again)
DOIO     ST    3,X'48'
SIO      SIO   X'700'
         BC    4,SIO
         BC    3,FAIL
WAIT     TIO   X'700'
         BC    2,WAIT
         BC    8,FAIL
         BR    14
FAIL     LPSW  FAILPSW
         DS    0D
DONEPSW  DC    X'0002000000000000'
FAILPSW  DC    X'000200000000EEEE'
WRITECCW CCW   X'01',FRAME,0,1        count set from FRAMELEN
READCCW  CCW   X'02',REPLY,X'20',1514
         ORG   CTCNET+X'1100'
RESID    DC    H'0'
FRAMELEN DC    H'0'
         ORG   CTCNET+X'2000'
FRAME    DS    XL1514
         ORG   CTCNET+X'3000'
REPLY    DS    XL1514
         END   BEGIN
